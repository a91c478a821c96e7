import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Env } from './env';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Secrets of the process, from configuration or, outside production, from DATA_DIR/secrets.json. */
export interface Secrets {
  jwtSecret: string;
  piiHmacKey: Buffer;
  /** The first key encrypts; every key decrypts. */
  piiEncryptionKeys: EncryptionKey[];
  /** The Ed25519 key (32-byte seed) that signs receipts, with its key id. */
  receiptSigningKey: ReceiptSigningKey;
}

export interface ReceiptSigningKey {
  kid: string;
  seed: Buffer;
}

interface StoredSecrets {
  jwtSecret: string;
  piiHmacKey: string;
  piiEncryptionKeys: string;
  /** Absent from files written before receipts were signed: added on the next start. */
  receiptSigningKey?: string;
}

const fromBase64 = (value: string): Buffer =>
  Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const keys = value.split(',').map((pair) => {
    const [id, key] = pair.split(':');
    return { id, key: fromBase64(key) };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length)
    throw new Error('PII_ENCRYPTION_KEYS repeats a key id');
  return keys;
}

export function parseReceiptSigningKey(value: string): ReceiptSigningKey {
  const [kid, seed] = value.split(':');
  return { kid, seed: fromBase64(seed) };
}

/** A fresh receipt signing key, `kid:base64seed`, its id naming the UTC day (`r20261203`). */
export function generateReceiptSigningKey(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `r${day}:${randomBytes(32).toString('base64')}`;
}

const SECRET_VARIABLES = [
  'JWT_SECRET',
  'PII_HMAC_KEY',
  'PII_ENCRYPTION_KEYS',
  'RECEIPT_SIGNING_KEY',
] as const;

/** The four secret variables, in the forms `Env` validates. */
export type SecretVariables = Record<(typeof SECRET_VARIABLES)[number], string>;

/**
 * Fresh random values for the secret variables: a 64-character JWT secret, a 32-byte HMAC key,
 * one 32-byte encryption key (base64) and an Ed25519 receipt signing key. The key id names the UTC day it was made (`k20261203`),
 * so a later rotation (docs/personal-data.md) can tell the keys apart.
 */
export function generateSecrets(now = new Date()): SecretVariables {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    PII_HMAC_KEY: randomBytes(32).toString('base64'),
    PII_ENCRYPTION_KEYS: `k${day}:${randomBytes(32).toString('base64')}`,
    RECEIPT_SIGNING_KEY: generateReceiptSigningKey(now),
  };
}

/**
 * Reads the secrets from the environment. Where one is missing: in production the process stops;
 * elsewhere the secret is generated once into DATA_DIR/secrets.json (mode 0600) and a warning is
 * logged, so a developer's data stays readable across restarts.
 */
export async function resolveSecrets(env: Env, logger: Pick<Logger, 'warn'>): Promise<Secrets> {
  const missing = SECRET_VARIABLES.filter((k) => !env[k]);
  let stored: StoredSecrets | undefined;
  if (missing.length > 0) {
    if (env.NODE_ENV === 'production') {
      throw new Error(`${missing.join(', ')} must be set in production (see README, Configuration)`);
    }
    const file = join(env.DATA_DIR, 'secrets.json');
    if (existsSync(file)) {
      stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
      if (!stored.receiptSigningKey) {
        stored.receiptSigningKey = generateReceiptSigningKey();
        await writeFile(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
      }
    } else {
      stored = {
        jwtSecret: randomBytes(48).toString('base64url'),
        piiHmacKey: randomBytes(32).toString('base64'),
        piiEncryptionKeys: `dev1:${randomBytes(32).toString('base64')}`,
        receiptSigningKey: generateReceiptSigningKey(),
      };
      await mkdir(env.DATA_DIR, { recursive: true });
      await writeFile(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    }
    logger.warn(
      `${missing.join(', ')} not configured: using generated development secrets from ${file}. ` +
        'Configure them before storing real data (docs/personal-data.md).',
    );
  }
  return {
    jwtSecret: env.JWT_SECRET ?? stored!.jwtSecret,
    piiHmacKey: fromBase64(env.PII_HMAC_KEY ?? stored!.piiHmacKey),
    piiEncryptionKeys: parseEncryptionKeys(env.PII_ENCRYPTION_KEYS ?? stored!.piiEncryptionKeys),
    receiptSigningKey: parseReceiptSigningKey(env.RECEIPT_SIGNING_KEY ?? stored!.receiptSigningKey!),
  };
}
