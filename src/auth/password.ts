import { Algorithm, hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (m = 19 MiB, t = 2, p = 1: OWASP's recommended floor). */
export function hashPassword(plain: string): Promise<string> {
  return hash(plain, { algorithm: Algorithm.Argon2id });
}

let dummyHash: Promise<string> | undefined;

/**
 * The hash verified in place of a missing one, made with hashPassword so it costs what a stored hash
 * costs. Call once at start-up: otherwise the first unknown username pays for hashing it as well.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('dummy password that matches nothing');
  return dummyHash;
}

/**
 * Verifies a password. With no stored hash (unknown or disabled user) a dummy hash is verified
 * anyway, so the answer takes as long whether or not the user exists. Never throws: argon2 refuses
 * some inputs synchronously, and a refused input is a wrong password.
 */
export async function verifyPassword(storedHash: string | undefined, plain: string): Promise<boolean> {
  try {
    const ok = await verify(storedHash ?? (await dummyPasswordHash()), plain);
    return ok && storedHash !== undefined;
  } catch {
    return false;
  }
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
