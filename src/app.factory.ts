import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ModuleMetadata, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { handleClientError } from './common/errors/client-error';
import { boundedJsonParser } from './common/json-body';
import { httpLoggerOptions, requestIdFor } from './common/logging/logger';
import { RuntimeConfig } from './config/config.module';
import { CHECK_JOB_MAX_FILE_BYTES } from './screening/jobs/check-job-columns';

export const API_PREFIX = 'api/v1';

/**
 * Where `npm run build` puts the console: dist/console, beside the compiled server (dist/src). Run from
 * the sources (tests, start:dev), the last build's.
 */
export function defaultConsoleDir(): string {
  const parent = dirname(__dirname);
  return join(basename(parent) === 'dist' ? parent : join(parent, 'dist'), 'console');
}

/**
 * Builds the whole HTTP application on Fastify, exactly as it runs in production; main.ts and the
 * e2e tests both call this. The caller listens and closes.
 */
export async function createApp(
  config: RuntimeConfig,
  logger: Logger,
  extraImports: ModuleMetadata['imports'] = [],
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.env.BODY_LIMIT_BYTES,
    clientErrorHandler: handleClientError,
    genReqId: requestIdFor,
    logger: false,
    return503OnClosing: true,
  });
  // A whole call's applicants in one check need more room than any other JSON body.
  adapter.getInstance().addHook('onRoute', (route) => {
    // A whole check's receipt, sent back to be verified, is as large as its answer.
    if (
      route.method === 'POST' &&
      [`/${API_PREFIX}/checks`, `/${API_PREFIX}/receipts/verify`].includes(route.url)
    ) {
      route.bodyLimit = config.env.CHECK_BODY_LIMIT_BYTES;
    }
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // helmet's headers on every answer, its middleware built once (the Fastify plugin builds it anew, CSP
  // parsed again, for every request). Swagger UI needs inline styles and scripts of its own; everything
  // else gets helmet's defaults.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
  adapter
    .getInstance()
    .addHook('onRequest', (request, reply, done) =>
      securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)),
    );

  // Nest's own lines (start-up, errors while the modules load) go through the same pino logger, and
  // a failure rejects here instead of exiting, so the caller reports it and stops the database.
  const loggerParams = httpLoggerOptions(logger);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, extraImports),
    adapter,
    { abortOnError: false, logger: new PinoNestLogger(new PinoLogger(loggerParams), loggerParams) },
  );
  // In place of Nest's default JSON parser (same limit; POST /checks keeps its own, set on the route).
  app.useBodyParser(
    'application/json',
    { bodyLimit: config.env.BODY_LIMIT_BYTES },
    boundedJsonParser(adapter.getInstance()),
  );
  // File uploads (check jobs) have limits of their own: BODY_LIMIT_BYTES bounds JSON bodies only. Routes
  // read the parts themselves, after the access guard, so an unauthenticated upload is never read.
  await app.register(multipart, {
    limits: {
      fieldNameSize: 100,
      fieldSize: 4096,
      fields: 20,
      fileSize: CHECK_JOB_MAX_FILE_BYTES,
      files: 1,
      headerPairs: 100,
      parts: 21,
    },
  });
  // The console: static files with no data in them, public like the documentation; every API call it
  // makes needs credentials. One route per file found at start-up (no wildcard), so any other path
  // still reaches the not-found handler (404 ROUTE_NOT_FOUND). The SPA routes by the URL's hash: the
  // server needs no fallback route.
  const consoleDir = config.consoleDir ?? defaultConsoleDir();
  if (existsSync(join(consoleDir, 'index.html'))) {
    // index.html: small, read once, and fetched again by browsers each time (it names the assets).
    const index = readFileSync(join(consoleDir, 'index.html'));
    // /verify: the public page a certificate's QR code opens (the console renders it without sign-in).
    for (const url of ['/', '/index.html', '/verify']) {
      adapter.getInstance().get(url, (_request, reply) => {
        void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
      });
    }
    // The assets: content-hashed names, cached for good; served from the .br and .gz copies npm run
    // build writes beside them to browsers that accept those (a third of the bytes). Registered apart
    // because @fastify/static answers 404 for a directory's index when preCompressed is on.
    const assets = join(consoleDir, 'assets');
    if (existsSync(assets)) {
      await app.register(fastifyStatic, {
        root: assets,
        prefix: '/assets/',
        wildcard: false,
        decorateReply: false,
        preCompressed: true,
        setHeaders: (res) => void res.header('cache-control', 'public, max-age=31536000, immutable'),
      });
    }
  }
  const origins = config.env.CORS_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins?.length) {
    app.enableCors({
      origin: origins,
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'Location',
        'Idempotent-Replayed',
        'X-Export-As-Of',
        'X-Export-Change-Cursor',
        'Content-Disposition',
        'Registry-Position',
        'Registry-Read-From',
        'Registry-Read-Position',
      ],
    });
  }
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
    ],
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Research Integrity Registry')
      .setDescription(
        'Records of research misconduct, sanctions and the red/black list, and screening of applicants ' +
          'against them. Every error answers `{ code, message, details, requestId }`.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: "A user's access token or an API client's key",
      })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
