import { dummyPasswordHash, hashPassword, verifyPassword } from './password';

/** `$argon2id$v=19$m=…,t=…,p=…`: what decides how long a verification takes. */
const costOf = (hash: string) => hash.split('$').slice(1, 4).join('$');

describe('verifyPassword', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    await expect(verifyPassword(stored, 'correct horse battery')).resolves.toBe(true);
    await expect(verifyPassword(stored, 'wrong horse battery')).resolves.toBe(false);
  });

  it('refuses when there is no stored hash, even the dummy password itself', async () => {
    await expect(verifyPassword(undefined, 'dummy password that matches nothing')).resolves.toBe(false);
  });

  it('verifies a dummy hash that costs what a stored hash costs', async () => {
    expect(costOf(await dummyPasswordHash())).toBe(costOf(await hashPassword('any password at all')));
    expect(costOf(await dummyPasswordHash())).toMatch(/^argon2id\$v=19\$m=\d+,t=\d+,p=\d+$/);
  });

  it('answers false, never throws, on input argon2 refuses', async () => {
    const stored = await hashPassword('correct horse battery');
    await expect(verifyPassword(stored, 12 as unknown as string)).resolves.toBe(false);
    await expect(verifyPassword(undefined, true as unknown as string)).resolves.toBe(false);
    await expect(verifyPassword('not a hash', 'correct horse battery')).resolves.toBe(false);
  });
});
