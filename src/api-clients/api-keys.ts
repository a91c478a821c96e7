import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'rir_';

/** A new key: 32 random bytes, shown once. Only its SHA-256 is stored (a random key needs no slow hash). */
export function generateApiKey(): { key: string; hash: Buffer; prefix: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export const looksLikeApiKey = (value: string): boolean =>
  value.startsWith(API_KEY_PREFIX) && /^rir_[A-Za-z0-9_-]{43}$/.test(value);
