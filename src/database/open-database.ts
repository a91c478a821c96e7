import type { Logger } from 'pino';
import { Env } from '../config/env';
import { hugePagesAdvice, startEmbeddedPostgres } from './embedded-postgres';

export interface OpenDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server; a no-op for an external one. */
  stop(): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'registry';

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR, started (and created) on demand. */
export async function openDatabase(env: Env, logger: Logger): Promise<OpenDatabase> {
  if (env.DATABASE_URL) {
    return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  }
  const log = logger.child({ component: 'embedded-postgres' });
  const started = Date.now();
  const pg = await startEmbeddedPostgres({
    dataDir: env.DATA_DIR,
    port: env.EMBEDDED_PG_PORT,
    database: EMBEDDED_DATABASE_NAME,
    log: (message) => log.debug(message),
  });
  logger.info(
    { port: pg.port, dataDir: env.DATA_DIR, ms: Date.now() - started, hugePages: pg.hugePages.status },
    `embedded PostgreSQL ready on 127.0.0.1:${pg.port} (data in ${env.DATA_DIR}/pg)`,
  );
  const advice = hugePagesAdvice(pg.hugePages);
  if (advice) logger.info({ hugePagesNeeded: pg.hugePages.pagesNeeded }, advice);
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}
