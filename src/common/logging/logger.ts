import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino, { Logger } from 'pino';
import type { Params } from 'nestjs-pino';
import { Env } from '../../config/env';

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
 */
export function createLogger(env: Pick<Env, 'LOG_LEVEL' | 'LOG_FORMAT'>): Logger {
  const pretty = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === 'auto' && process.stdout.isTTY === true);
  return pino({
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
  });
}

const requestPath = (req: IncomingMessage & { originalUrl?: string }): string =>
  req.originalUrl ?? req.url ?? '';

/** nestjs-pino options: every line of a request carries its id (`req.id`, set by Fastify). */
export function httpLoggerOptions(logger: Logger): Params {
  return {
    pinoHttp: {
      logger,
      quietReqLogger: true,
      // Nest mounts the middleware so that `url` is relative to it; `originalUrl` is the full path.
      autoLogging: { ignore: (req) => requestPath(req).startsWith('/health/') },
      serializers: {
        req: (req: {
          id: string;
          method: string;
          url: string;
          raw?: IncomingMessage & { originalUrl?: string };
        }) => ({
          id: req.id,
          method: req.method,
          url: req.raw ? requestPath(req.raw) : req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
