import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { maskResidentIdsIn } from '../../personal-data/personal-data.protector';
import { AppError, CommonErrorCode, ErrorBody, ErrorDetail } from './app-error';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { violatedUniqueConstraint } from './unique-violation';

function codeForStatus(status: number): CommonErrorCode {
  switch (status) {
    case 400:
      return CommonErrorCode.BAD_REQUEST;
    case 401:
      return CommonErrorCode.UNAUTHENTICATED;
    case 403:
      return CommonErrorCode.FORBIDDEN;
    case 404:
      return CommonErrorCode.NOT_FOUND;
    case 405:
      return CommonErrorCode.METHOD_NOT_ALLOWED;
    case 409:
      return CommonErrorCode.CONFLICT;
    case 412:
      return CommonErrorCode.PRECONDITION_FAILED;
    case 413:
      return CommonErrorCode.PAYLOAD_TOO_LARGE;
    case 415:
      return CommonErrorCode.UNSUPPORTED_MEDIA_TYPE;
    case 429:
      return CommonErrorCode.RATE_LIMITED;
    case 503:
      return CommonErrorCode.SERVICE_UNAVAILABLE;
    default:
      return status >= 500 ? CommonErrorCode.INTERNAL_ERROR : CommonErrorCode.BAD_REQUEST;
  }
}

type Resolved = Omit<ErrorBody, 'requestId'> & { status: number };

/** A framework HTTP error: its status stands; the message is kept only where it is meant for callers. */
function fromHttpException(exception: HttpException): Resolved {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(exception.message)) {
    return {
      status,
      code: CommonErrorCode.ROUTE_NOT_FOUND,
      message: `No route matches ${exception.message.slice('Cannot '.length)}`,
      details: [],
    };
  }
  // @nestjs/terminus answers 503 with the state of every indicator.
  if (status === HttpStatus.SERVICE_UNAVAILABLE && typeof body.error === 'object' && body.error !== null) {
    return {
      status,
      code: CommonErrorCode.NOT_READY,
      message: 'The service is not ready',
      details: Object.entries(body.error as Record<string, { message?: string }>).map(([field, info]) => ({
        field,
        code: 'DOWN',
        message: info?.message ?? 'down',
      })),
    };
  }
  const message = typeof body.message === 'string' ? body.message : exception.message;
  return {
    status,
    code: codeForStatus(status),
    message: status >= 500 ? 'Internal error' : message,
    details: [],
  };
}

type FastifyError = Error & { statusCode: number; code?: string };

/**
 * Errors raised by Fastify itself carry a statusCode: its own (FST_*: content type, size limits) or a
 * JSON parser's SyntaxError marked 400.
 */
function isFastifyError(e: unknown): e is FastifyError {
  const candidate = e as Partial<FastifyError> | null;
  return (
    e instanceof Error &&
    typeof candidate?.statusCode === 'number' &&
    (e instanceof SyntaxError || (typeof candidate.code === 'string' && candidate.code.startsWith('FST_')))
  );
}

function fromFastifyError(error: FastifyError): Resolved {
  const status = error.statusCode;
  const malformed = status === 400 && (error instanceof SyntaxError || /JSON/.test(error.code ?? ''));
  return {
    status,
    code: malformed ? CommonErrorCode.MALFORMED_BODY : codeForStatus(status),
    message:
      status >= 500
        ? 'Internal error'
        : malformed
          ? `The body is not valid JSON: ${error.message}`
          : error.message,
    details: [],
  };
}

function resolve(exception: unknown): Resolved {
  if (exception instanceof AppError) {
    return {
      status: exception.status,
      code: exception.code,
      message: exception.message,
      details: exception.details,
    };
  }
  // Nest wraps Fastify's own 4xx errors in an HttpException whose cause is the original.
  const fastifyError = exception instanceof HttpException ? exception.cause : exception;
  if (isFastifyError(fastifyError)) return fromFastifyError(fastifyError);
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isDatabaseUnavailable(exception)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      code: CommonErrorCode.DATABASE_UNAVAILABLE,
      message: 'The database cannot be reached at the moment: try again later',
      details: [],
    };
  }
  const constraint = violatedUniqueConstraint(exception);
  if (constraint !== undefined) {
    const details: ErrorDetail[] = constraint
      ? [{ code: 'UNIQUE_VIOLATION', field: constraint, message: 'A record with this value exists' }]
      : [];
    return {
      status: 409,
      code: CommonErrorCode.CONFLICT,
      message: 'A record with the same key exists',
      details,
    };
  }
  return { status: 500, code: CommonErrorCode.INTERNAL_ERROR, message: 'Internal error', details: [] };
}

/**
 * The answer to an exception, resident ID numbers masked in its text: messages and field names quote
 * the caller's input (a field named by a value, a ref, a username), and no answer carries a full ID
 * number (docs/personal-data.md), whichever code raised it.
 */
export function resolveError(exception: unknown): Resolved {
  const resolved = resolve(exception);
  return {
    ...resolved,
    message: maskResidentIdsIn(resolved.message),
    details: resolved.details.map((d) => ({
      ...d,
      ...(d.field === undefined ? {} : { field: maskResidentIdsIn(d.field) }),
      message: maskResidentIdsIn(d.message),
    })),
  };
}

/**
 * The one exception filter of the API: every error leaves as `{ code, message, details, requestId }`.
 * Server errors are logged with their stack and answered without internals.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const resolved = resolveError(exception);
    if (
      resolved.code === CommonErrorCode.DATABASE_UNAVAILABLE ||
      resolved.code === CommonErrorCode.NOT_READY
    ) {
      // Expected while the database restarts: one line, without the stack, for each call refused.
      const err =
        resolved.code === CommonErrorCode.NOT_READY ? resolved.details : (exception as Error).message;
      this.logger.warn({ err, requestId: request?.id }, `request refused: ${resolved.code}`);
    } else if (exception instanceof AppError && resolved.status === HttpStatus.SERVICE_UNAVAILABLE) {
      // A refusal the code chose (a capacity reached): expected, so one line without the stack.
      this.logger.warn({ requestId: request?.id }, `request refused: ${resolved.code}`);
    } else if (resolved.status >= 500) {
      this.logger.error({ err: exception, requestId: request?.id }, 'request failed');
    }
    const body: ErrorBody = {
      code: resolved.code,
      message: resolved.message,
      details: resolved.details,
      requestId: request?.id,
    };
    if (resolved.status === HttpStatus.SERVICE_UNAVAILABLE && !reply.getHeader('retry-after')) {
      // The database restarting, the service starting, a capacity reached: each passes within seconds.
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    }
    if (resolved.status === HttpStatus.TOO_MANY_REQUESTS && !reply.getHeader('retry-after')) {
      // @nestjs/throttler names the header after a named limit (Retry-After-login); callers expect the standard one.
      const named = Object.entries(reply.getHeaders()).find(([name]) =>
        name.toLowerCase().startsWith('retry-after-'),
      );
      if (named) void reply.header('retry-after', named[1]);
    }
    void reply.status(resolved.status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
