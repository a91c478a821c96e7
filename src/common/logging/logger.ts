import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino, { DestinationStream, Logger } from 'pino';
import type { Params } from 'nestjs-pino';
import { Env } from '../../config/env';
import { maskResidentIdsIn } from '../../personal-data/personal-data.protector';

/** Header names whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id: the caller's `X-Request-Id` when it is a plausible id, a fresh UUID otherwise.
 * Fastify stores it on the request, pino-http reuses it on every line of that request, and the
 * response carries it back in `X-Request-Id`.
 */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * The one pino logger of the process: JSON lines for machines, pretty lines when a person runs the
 * service in a terminal (LOG_FORMAT=auto and stdout is a TTY) or asks for it (LOG_FORMAT=pretty).
 * `destination` (JSON lines only) lets a test read what the service logs.
 */
export function createLogger(
  env: Pick<Env, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  destination?: DestinationStream,
): Logger {
  const pretty =
    !destination &&
    (env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === 'auto' && process.stdout.isTTY === true)) &&
    // pino-pretty is a development package, absent from the production image: JSON lines there.
    prettyAvailable();
  const options: pino.LoggerOptions = {
    level: env.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

const requestPath = (req: IncomingMessage & { originalUrl?: string }): string =>
  req.originalUrl ?? req.url ?? '';

/**
 * Query parameters whose values never reach a log line: free text a caller types, such as the
 * purpose of a reveal, which may well be an ID number.
 */
export const REDACTED_QUERY_PARAMETERS: ReadonlySet<string> = new Set(['purpose']);

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

/**
 * A URL as logged: the values of REDACTED_QUERY_PARAMETERS replaced (whatever their names' encoding),
 * and anything left that looks like a resident ID number masked.
 */
export function loggedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return maskResidentIdsIn(url);
  const pairs = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0];
      return REDACTED_QUERY_PARAMETERS.has(decoded(name)) ? `${name}=[redacted]` : pair;
    });
  return maskResidentIdsIn(`${url.slice(0, at)}?${pairs.join('&')}`);
}

/**
 * nestjs-pino options: every line of a request carries its id (`req.id`, set by Fastify). The line
 * per request is written at `info`; below that level (LOG_LEVEL=warn or error) the per-request
 * listener that would build it is not attached at all.
 */
export function httpLoggerOptions(logger: Logger): Params {
  return {
    pinoHttp: {
      logger,
      quietReqLogger: true,
      // Nest mounts the middleware so that `url` is relative to it; `originalUrl` is the full path.
      autoLogging: logger.isLevelEnabled('info') && {
        ignore: (req) => requestPath(req).startsWith('/health/'),
      },
      serializers: {
        req: (req: {
          id: string;
          method: string;
          url: string;
          raw?: IncomingMessage & { originalUrl?: string };
        }) => ({
          id: req.id,
          method: req.method,
          url: loggedUrl(req.raw ? requestPath(req.raw) : req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
