import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory';
import { createLogger } from './common/logging/logger';
import { Env, EnvError, validateEnv } from './config/env';
import { resolveSecrets } from './config/secrets';
import { openDatabase } from './database/open-database';

function loadEnv(): Env {
  try {
    return validateEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const started = Date.now();
  const env = loadEnv();
  const logger = createLogger(env);
  const secrets = await resolveSecrets(env, logger);
  const database = await openDatabase(env, logger);

  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({ env, databaseUrl: database.url, secrets }, logger);
    await app.listen({ port: env.PORT, host: env.HOST });
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await database.stop();
    process.exit(1);
  }

  const { port } = app.getHttpServer().address() as AddressInfo;
  const shownHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST;
  logger.info(
    { port, startupMs: Date.now() - started, embeddedDatabase: database.embedded },
    `listening on http://${shownHost}:${port} (API docs at http://${shownHost}:${port}/docs)`,
  );

  // Stop accepting, let in-flight requests finish, close the pool (Nest's shutdown hooks), then stop
  // the embedded server. Repeated signals (a terminal's Ctrl-C reaches npm and node alike) are
  // ignored; SHUTDOWN_TIMEOUT_MS bounds the whole sequence.
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`${signal} received: shutting down`);
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than ${env.SHUTDOWN_TIMEOUT_MS} ms: exiting`);
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // Closing the server closes the keep-alive connections idle at that moment only; one whose
    // request was still in flight would stay open once answered (until its client or the keep-alive
    // timeout, 72 s, closes it) and hold the close. So idle connections are closed until it is done.
    const server = app.getHttpServer() as Server;
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    closeIdle.unref();
    app
      .close()
      .finally(() => clearInterval(closeIdle))
      .then(() => database.stop())
      .then(() => {
        logger.info({ uptimeMs: Date.now() - started }, 'stopped');
        logger.flush();
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
