import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

/** Seconds a caller is asked to wait (Retry-After) when the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket errors of a server that is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server going away or not taking work: connection exceptions (class 08), shutdown
 * and start-up (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 57P05 idle
 * session timeout), too many connections (53300) and a statement cancelled by statement_timeout (57014).
 */
function isUnavailableSqlState(code: string): boolean {
  return /^08/.test(code) || ['57P01', '57P02', '57P03', '57P05', '53300', '57014'].includes(code);
}

/** What node-postgres and its pool throw without a code when a connection dies or never comes. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
];

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  driverError?: unknown;
}

function isUnavailableError(e: ErrorLike): boolean {
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || isUnavailableSqlState(e.code))) return true;
  const message = e.message;
  return typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Whether an error means the database could not be reached or stopped answering (rather than that
 * the statement or the data was wrong): the caller may retry the same request later. Looks through
 * TypeORM's QueryFailedError, `cause` chains and AggregateErrors (a host that resolves to several
 * addresses refuses on each). Errors are recognised by their shape, not `instanceof`: the socket's
 * errors come from Node's own realm, which is not the caller's in every runtime (Jest's sandbox).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as ErrorLike;
  if (isUnavailableError(e)) return true;
  if (error instanceof QueryFailedError && isDatabaseUnavailable(e.driverError, depth + 1)) return true;
  // TypeORM releases a transaction's connection as soon as the connection reports an error (the
  // server ended the session); the transaction's next statement then meets one of these, not the cause.
  if (
    error instanceof QueryRunnerProviderAlreadyReleasedError ||
    error instanceof QueryRunnerAlreadyReleasedError
  ) {
    return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true;
  return e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1);
}
