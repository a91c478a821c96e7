import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Marks a variable whose value must never be printed (logs, error messages). */
export const SENSITIVE_VARIABLES = new Set<string>(['DATABASE_URL']);

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

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;
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
      .concat('DATABASE_URL')
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
