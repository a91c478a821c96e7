import { hash, verify } from '@node-rs/argon2';
import type { JwtService } from '@nestjs/jwt';
import type { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { systemContext } from '../common/request-context';
import type { Env } from '../config/env';
import type { Transactions } from '../database/transactions';
import type { RefreshTokensRepository } from '../users/refresh-tokens.repository';
import type { UserEntity } from '../users/user.entity';
import type { UsersRepository } from '../users/users.repository';
import { AuthErrorCode, AuthService } from './auth.service';
import { hashPassword } from './password';
import { Role } from './principal';

// The real argon2, watched: timing is asserted by the work done, never by the clock.
jest.mock('@node-rs/argon2', () => {
  const actual = jest.requireActual('@node-rs/argon2');
  return { ...actual, hash: jest.fn(actual.hash), verify: jest.fn(actual.verify) };
});

const PASSWORD = 'the right password';

/** AuthService over an in-memory user table and failure log. */
async function setUp() {
  const passwordHash = await hashPassword(PASSWORD);
  const user = (username: string, disabled = false) =>
    ({
      id: `id-${username}`,
      username,
      passwordHash,
      roles: [Role.REVIEWER],
      disabledAt: disabled ? new Date() : null,
    }) as UserEntity;
  const table = new Map([
    ['known', user('known')],
    ['disabled', user('disabled', true)],
  ]);
  const failures = new Map<string, Date[]>();
  const users = {
    recentLoginFailures: async (key: string, since: Date) =>
      (failures.get(key) ?? []).filter((at) => at >= since),
    findWithPasswordByUsername: async (key: string) => table.get(key) ?? null,
    addLoginFailure: async (_: unknown, key: string, at: Date) => {
      failures.set(key, [...(failures.get(key) ?? []), at]);
    },
  } as unknown as UsersRepository;
  const tx = { run: (work: (m: unknown) => Promise<unknown>) => work({}) } as unknown as Transactions;
  const audit = { record: jest.fn() } as unknown as AuditService;
  const service = new AuthService(
    users,
    {} as RefreshTokensRepository,
    audit,
    tx,
    {} as JwtService,
    {} as Env,
  );
  await service.onModuleInit();
  jest.mocked(hash).mockClear();
  jest.mocked(verify).mockClear();
  return service;
}

/** The error code a login answers, and the argon2 work it did. */
async function attempt(service: AuthService, username: string, password: string) {
  const hashesBefore = jest.mocked(hash).mock.calls.length;
  const verifiesBefore = jest.mocked(verify).mock.calls.length;
  const outcome = await service.authenticate(systemContext('test'), username, password).then(
    () => 'OK',
    (error: AppError) => error.code,
  );
  return {
    outcome,
    hashes: jest.mocked(hash).mock.calls.length - hashesBefore,
    verifies: jest.mocked(verify).mock.calls.length - verifiesBefore,
    verified: jest.mocked(verify).mock.calls.at(-1)?.[0],
  };
}

/** `$argon2id$v=19$m=…,t=…,p=…` of a hash: what decides how long verifying it takes. */
const costOf = (h: unknown) => String(h).split('$').slice(1, 4).join('$');

describe('AuthService.authenticate: a username’s existence shows neither in answers nor in work', () => {
  it('verifies one hash of the same cost for a known, an unknown and a disabled username, and hashes none', async () => {
    const service = await setUp();
    const known = await attempt(service, 'known', 'a wrong password');
    const unknown = await attempt(service, 'nobody', 'a wrong password');
    const disabled = await attempt(service, 'disabled', PASSWORD);
    for (const a of [known, unknown, disabled]) {
      expect(a).toMatchObject({ outcome: AuthErrorCode.AUTH_INVALID_CREDENTIALS, hashes: 0, verifies: 1 });
      expect(costOf(a.verified)).toBe(costOf(known.verified));
    }
    // The unknown and the disabled username took the dummy path, not some user's hash.
    expect(unknown.verified).not.toBe(known.verified);
    expect(disabled.verified).toBe(unknown.verified);
  });

  it('answers the same sequence through the lock, doing the same work at each step', async () => {
    const service = await setUp();
    const sequence = async (username: string) => {
      const steps = [];
      for (let i = 0; i < 6; i++) steps.push(await attempt(service, username, `wrong ${i}`));
      steps.push(await attempt(service, username, PASSWORD));
      return steps.map(({ outcome, hashes, verifies }) => `${outcome} hashes=${hashes} verifies=${verifies}`);
    };
    const known = await sequence('known');
    expect(known).toEqual([
      ...Array(4).fill('AUTH_INVALID_CREDENTIALS hashes=0 verifies=1'),
      // The fifth failure is verified, then locks; once locked nothing is verified.
      'AUTH_LOCKED hashes=0 verifies=1',
      'AUTH_LOCKED hashes=0 verifies=0',
      'AUTH_LOCKED hashes=0 verifies=0',
    ]);
    expect(await sequence('nobody')).toEqual(known);
    expect(await sequence('disabled')).toEqual(known);
  });

  it('lets the right password in while the username is not locked', async () => {
    const service = await setUp();
    expect(await attempt(service, ' Known ', PASSWORD)).toMatchObject({ outcome: 'OK', verifies: 1 });
  });
});
