import { randomBytes } from 'node:crypto';
import { ModuleMetadata } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { createLogger } from '../src/common/logging/logger';
import { LogLevel, validateEnv } from '../src/config/env';
import { Secrets } from '../src/config/secrets';
import { createTestDatabase } from './database';

/** Fresh random secrets for each test app. */
export function testSecrets(): Secrets {
  return {
    jwtSecret: randomBytes(32).toString('hex'),
    piiHmacKey: randomBytes(32),
    piiEncryptionKeys: [{ id: 't1', key: randomBytes(32) }],
    receiptSigningKey: { kid: 'test1', seed: randomBytes(32) },
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  /** The Node HTTP server, for supertest. */
  http: ReturnType<NestFastifyApplication['getHttpServer']>;
  dataSource: DataSource;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The real application (same factory as main.ts) on a database of its own, cloned from the migrated
 * template. Set TEST_LOG_LEVEL=debug to see its logs.
 *
 * Keep one app alive at a time in a test file: passport keeps its strategies in a process-wide
 * registry, so a second app would take over the first one's authentication (and keep it after it
 * closes). Separate top-level `describe` blocks with their own beforeAll/afterAll run one after another.
 */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    imports?: ModuleMetadata['imports'];
    /** The app's logger, for tests that read what it logs; by default one at TEST_LOG_LEVEL. */
    logger?: Logger;
    /** The built console to serve at `/`; by default dist/console when `npm run build` has made it. */
    consoleDir?: string;
    /** Secrets to use in place of fresh ones (a key rotation test restarts with the same keys). */
    secrets?: Partial<Secrets>;
    /** A migrated database the test made itself (kept at close); by default a clone of the template. */
    databaseUrl?: string;
  } = {},
): Promise<TestApp> {
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const env = validateEnv({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    // Every test request comes from 127.0.0.1: rate limits are tested on purpose, with an override.
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000',
    ...options.env,
  });
  const logger =
    options.logger ??
    createLogger({
      LOG_LEVEL: (process.env.TEST_LOG_LEVEL as LogLevel) ?? 'silent',
      LOG_FORMAT: 'json',
    });
  const app = await createApp(
    {
      env,
      databaseUrl: database.url,
      secrets: { ...testSecrets(), ...options.secrets },
      consoleDir: options.consoleDir,
    },
    logger,
    options.imports,
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    http: app.getHttpServer(),
    dataSource: app.get(DataSource),
    databaseUrl: database.url,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
