import { validateEnv } from './env';
import { generateSecrets, resolveSecrets } from './secrets';

describe('generateSecrets', () => {
  it('gives values that the production configuration accepts', async () => {
    const env = validateEnv({ NODE_ENV: 'production', ...generateSecrets() });
    const secrets = await resolveSecrets(env, { warn: jest.fn() });
    expect(secrets.piiHmacKey).toHaveLength(32);
    expect(secrets.piiEncryptionKeys.map((k) => k.key.length)).toEqual([32]);
    expect(secrets.receiptSigningKey.seed).toHaveLength(32);
    expect(secrets.receiptSigningKey.kid).toMatch(/^r\d{8}$/);
  });

  it('names the encryption key after the UTC day it was made', () => {
    expect(generateSecrets(new Date('2026-12-03T23:30:00Z')).PII_ENCRYPTION_KEYS).toMatch(/^k20261203:/);
  });

  it('never repeats a value', () => {
    const [a, b] = [generateSecrets(), generateSecrets()];
    expect(new Set([...Object.values(a), ...Object.values(b)]).size).toBe(8);
  });
});
