import { plainToInstance, Transform } from 'class-transformer';
import { toInteger } from '../common/transforms';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Marks a variable whose value must never be printed (logs, error messages). */
export const SENSITIVE_VARIABLES = new Set<string>([
  'DATABASE_URL',
  'DATABASE_REPLICA_URLS',
  'JWT_SECRET',
  'PII_HMAC_KEY',
  'PII_ENCRYPTION_KEYS',
  'RECEIPT_SIGNING_KEY',
  'BOOTSTRAP_ADMIN_PASSWORD',
]);

/** Optional variables: they have no default, so they are listed for validateEnv to pick up. */
const OPTIONAL_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_REPLICA_URLS',
  'JWT_SECRET',
  'PII_HMAC_KEY',
  'PII_ENCRYPTION_KEYS',
  'RECEIPT_SIGNING_KEY',
  'RECEIPT_VERIFY_KEYS',
  'PUBLIC_BASE_URL',
  'BOOTSTRAP_ADMIN_USERNAME',
  'BOOTSTRAP_ADMIN_PASSWORD',
  'CORS_ORIGINS',
];

const BASE64_32_BYTES = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * Every environment variable the service reads, validated once at start-up.
 * The README's configuration table lists the same variables; keep the two in step.
 */
export class Env {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** Unset: an embedded PostgreSQL is started with its data under DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /**
   * Longest wait for a database connection (a new one, or a free one of a full pool) before the call
   * is answered 503 DATABASE_UNAVAILABLE.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_CONNECT_TIMEOUT_MS = 5_000;

  /**
   * How long a pool keeps a connection that nobody uses before closing it; 0: until shutdown. A new
   * connection costs a server process that must read its catalogs and plan the check statement again.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  DATABASE_POOL_IDLE_TIMEOUT_MS = 300_000;

  /** Longest a statement may run (PostgreSQL's statement_timeout); 0: no limit. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 60_000;

  /**
   * Streaming replicas that checks read from (comma-separated postgres:// URLs); writes, the audit and
   * every other read stay on the primary. Unset: everything on the primary.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^,\s]+(,postgres(ql)?:\/\/[^,\s]+)*$/, {
    message: 'DATABASE_REPLICA_URLS must be postgres:// URLs separated by commas',
  })
  DATABASE_REPLICA_URLS?: string;

  /** A replica further behind the primary than this is not read from (see REPLICA_LAG_POLICY). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  REPLICA_MAX_LAG_MS = 1000;

  /** How often each replica's replay position is compared with the primary's. */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(60_000)
  REPLICA_POLL_MS = 200;

  /** When no replica is close enough: `primary` reads from the primary, `refuse` answers 503. */
  @IsIn(['primary', 'refuse'])
  REPLICA_LAG_POLICY: 'primary' | 'refuse' = 'primary';

  @Transform(toBoolean)
  @IsBoolean()
  DATABASE_MIGRATIONS_RUN = true;

  @IsString()
  DATA_DIR = 'var';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  EMBEDDED_PG_PORT = 0;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  @Transform(toInteger)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  /** Largest body of POST /api/v1/checks: 10,000 applicants with names, units and IDs take about 1.2 MiB. */
  @Transform(toInteger)
  @IsInt()
  @Min(1024)
  CHECK_BODY_LIMIT_BYTES = 4_194_304;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** HMAC secret of access tokens. Unset outside production: generated once into DATA_DIR/secrets.json. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(86_400)
  JWT_ACCESS_TTL_SECONDS = 900;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TOKEN_TTL_DAYS = 14;

  /** Key of the keyed hash (HMAC-SHA256) of personal identifiers: 32 bytes, base64. */
  @IsOptional()
  @Matches(BASE64_32_BYTES, { message: 'PII_HMAC_KEY must be 32 bytes in base64' })
  PII_HMAC_KEY?: string;

  /**
   * AES-256-GCM keys of personal identifiers at rest, `id:base64key` separated by commas; the first
   * encrypts, all decrypt (key rotation, docs/personal-data.md).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/_-]{43}=?)*$/, {
    message: 'PII_ENCRYPTION_KEYS must be id:base64key[,id:base64key...] with 32-byte keys',
  })
  PII_ENCRYPTION_KEYS?: string;

  /**
   * The Ed25519 key that signs check receipts and certificate manifests: `kid:base64seed` (a key id and
   * the 32-byte private key). Unset outside production: generated once into DATA_DIR/secrets.json.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?$/, {
    message: 'RECEIPT_SIGNING_KEY must be kid:base64key with a 32-byte Ed25519 private key',
  })
  RECEIPT_SIGNING_KEY?: string;

  /**
   * Public keys of retired signing keys, kept so the receipts they signed still verify:
   * `kid:base64publickey` separated by commas (docs/certificates.md, rotation).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?)*$/, {
    message: 'RECEIPT_VERIFY_KEYS must be kid:base64publickey[,kid:base64publickey...] with 32-byte keys',
  })
  RECEIPT_VERIFY_KEYS?: string;

  /**
   * Where people reach the service from outside, e.g. https://registry.example.org: the QR code of a
   * certificate opens `<PUBLIC_BASE_URL>/verify`. Unset: http://localhost:PORT.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'PUBLIC_BASE_URL must be an http(s) URL without query or fragment',
  })
  PUBLIC_BASE_URL?: string;

  /** The issuing registry as certificates name it (Chinese). */
  @IsString()
  @MinLength(1)
  REGISTRY_NAME = '科研诚信记录登记系统';

  /** The issuing registry as English certificates name it. */
  @IsString()
  @MinLength(1)
  REGISTRY_NAME_EN = 'Research Integrity Registry';

  /** Creates this administrator at start-up when the database has no user at all. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9._-]{2,63}$/, {
    message: 'BOOTSTRAP_ADMIN_USERNAME must be 3-64 characters: a-z, 0-9, dot, underscore, hyphen',
  })
  BOOTSTRAP_ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters' })
  BOOTSTRAP_ADMIN_PASSWORD?: string;

  /** Requests a minute per user, API client or (unauthenticated) address. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 1200;

  /**
   * Where rate-limit counters live: `memory` (each instance counts alone) or `postgres` (one count per
   * caller shared by every instance on the database, one statement per request).
   */
  @IsIn(['memory', 'postgres'])
  RATE_LIMIT_STORE: 'memory' | 'postgres' = 'memory';

  /** Login attempts a minute per address. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_LOGIN_PER_MINUTE = 10;

  /** Requests a minute per address to the public disclosure routes (list, export, verify). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PUBLIC_PER_MINUTE = 60;

  /** Comma-separated origins allowed by CORS; unset: CORS off. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  /** How often a process touches the check jobs it runs, to show other instances it is alive. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(600_000)
  CHECK_JOB_HEARTBEAT_MS = 15_000;

  /**
   * An unfinished check job nobody touched for this long is marked FAILED: its process stopped (a
   * crash). Keep it well above CHECK_JOB_HEARTBEAT_MS, or another instance's live jobs look dead.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86_400)
  CHECK_JOB_STALE_SECONDS = 120;

  /** How often each process looks for check jobs abandoned by a stopped process (and at start-up). */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  CHECK_JOB_SWEEP_MS = 60_000;

  /** How often the audit sealer chains new entries. */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(60_000)
  AUDIT_SEAL_INTERVAL_MS = 200;

  /** How often each process looks for webhook deliveries due (docs/integration.md); 0 turns sending off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  WEBHOOK_POLL_MS = 1_000;

  /** How long a webhook receiver has to answer before the attempt counts as failed. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Attempts of a webhook delivery before it is given up as DEAD (it can still be redelivered). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  WEBHOOK_MAX_ATTEMPTS = 12;

  /** Wait before the second attempt of a delivery; it doubles at each failure (with jitter). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  WEBHOOK_RETRY_BASE_MS = 5_000;

  /** The longest wait between two attempts of a delivery. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  WEBHOOK_RETRY_MAX_MS = 3_600_000;

  /** How long an Idempotency-Key and its stored answer are kept (docs/reliability.md). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(720)
  IDEMPOTENCY_KEY_TTL_HOURS = 24;

  /** How long check receipts (stored checks and their answers) are kept; decisions require 10 years. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  RECEIPT_RETENTION_YEARS = 10;

  /** How long a finished check job's files (upload and results) are kept. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3650)
  CHECK_JOB_FILE_RETENTION_DAYS = 30;

  /**
   * Bulk exports running at once in this instance; more answer 503 EXPORT_CAPACITY_REACHED. Each holds
   * a database connection for its whole length: keep it well below DATABASE_POOL_SIZE.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  EXPORT_MAX_CONCURRENT = 2;

  /**
   * A bulk export whose reader takes nothing for this long is ended (its transaction and connection
   * freed), so a stalled client cannot hold a place for ever.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  EXPORT_IDLE_TIMEOUT_MS = 300_000;

  /** How often housekeeping runs (expiry of list entries, purges); 0 turns the schedule off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10_080)
  HOUSEKEEPING_INTERVAL_MINUTES = 60;
}

export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration:\n' + problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'EnvError';
  }
}

/**
 * Validates the raw environment into an `Env`. Empty strings count as unset so a blank line in an
 * env file falls back to the default. Throws `EnvError` naming every offending variable.
 */
export function validateEnv(raw: Record<string, string | undefined>): Env {
  const defined = Object.fromEntries(
    Object.keys(new Env())
      .concat(OPTIONAL_VARIABLES)
      .filter((key) => raw[key] !== undefined && raw[key] !== '')
      .map((key) => [key, raw[key]]),
  );
  const env = plainToInstance(Env, defined);
  const errors = validateSync(env, { whitelist: true });
  if (errors.length > 0) {
    throw new EnvError(
      errors.map((e) => ({
        variable: e.property,
        message: SENSITIVE_VARIABLES.has(e.property)
          ? `value not shown: ${Object.values(e.constraints ?? {}).join('; ')}`
          : `${JSON.stringify(e.value)} is invalid: ${Object.values(e.constraints ?? {}).join('; ')}`,
      })),
    );
  }
  return env;
}
