import { EnvError, validateEnv } from './env';

describe('validateEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: 'var',
      EMBEDDED_PG_PORT: 0,
      DATABASE_POOL_SIZE: 10,
      DATABASE_MIGRATIONS_RUN: true,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'auto',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('converts numbers and booleans from strings', () => {
    const env = validateEnv({ PORT: '8080', DATABASE_MIGRATIONS_RUN: 'false', DATABASE_POOL_SIZE: '25' });
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_MIGRATIONS_RUN).toBe(false);
    expect(env.DATABASE_POOL_SIZE).toBe(25);
  });

  it('treats an empty value as unset', () => {
    const env = validateEnv({ PORT: '', DATABASE_URL: '' });
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['DATABASE_MIGRATIONS_RUN', 'maybe'],
    ['DATABASE_URL', 'mysql://x'],
  ])('refuses %s=%s and names the variable', (variable, value) => {
    let caught: unknown;
    try {
      validateEnv({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    expect((caught as EnvError).problems.map((p) => p.variable)).toEqual([variable]);
    expect((caught as EnvError).message).toContain(variable);
  });

  it('never prints the value of a sensitive variable', () => {
    expect(() => validateEnv({ DATABASE_URL: 'mysql://user:s3cret@host/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  it('lists every offending variable at once', () => {
    expect(() => validateEnv({ PORT: 'x', LOG_FORMAT: 'xml' })).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ variable: 'PORT' }),
          expect.objectContaining({ variable: 'LOG_FORMAT' }),
        ],
      }),
    );
  });
});
