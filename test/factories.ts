import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiClientsService } from '../src/api-clients/api-clients.service';
import { Role, Scope } from '../src/auth/principal';
import { systemContext } from '../src/common/request-context';
import { generator, residentId, uscc } from '../src/demo/demo-data';
import { UsersService } from '../src/users/users.service';
import type { TestApp } from './app';

export interface TestUser {
  id: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** `{ Authorization: 'Bearer …' }` */
  auth: Record<string, string>;
}

const unique = () => randomBytes(4).toString('hex');

/** A user with the given roles, created through the service, logged in through HTTP. */
export async function newUser(
  t: TestApp,
  roles: Role[],
  options: { login?: boolean } = {},
): Promise<TestUser> {
  const username = `u${unique()}`;
  const password = `pw-${unique()}-${unique()}`;
  const user = await t.app
    .get(UsersService)
    .create(systemContext('test'), { username, displayName: username, password, roles });
  if (options.login === false) {
    return { id: user.id, username, password, accessToken: '', refreshToken: '', auth: {} };
  }
  const tokens = await login(t, username, password);
  return {
    id: user.id,
    username,
    password,
    ...tokens,
    auth: { Authorization: `Bearer ${tokens.accessToken}` },
  };
}

export async function login(t: TestApp, username: string, password: string) {
  const res = await request(t.http).post('/api/v1/auth/login').send({ username, password }).expect(200);
  return { accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string };
}

export interface TestApiClient {
  id: string;
  key: string;
  auth: Record<string, string>;
}

/** An API client with the given scopes, created through the service. */
export async function newApiClient(t: TestApp, scopes: Scope[]): Promise<TestApiClient> {
  const { client, key } = await t.app
    .get(ApiClientsService)
    .create(systemContext('test'), `client-${unique()}`, scopes);
  return { id: client.id, key, auth: { 'X-Api-Key': key } };
}

/** Number of audit entries, optionally of one action. */
export async function auditCount(t: TestApp, action?: string): Promise<number> {
  const [row] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM audit_entry ${action ? 'WHERE action = $1' : ''}`,
    action ? [action] : [],
  );
  return row.n;
}

/** A demo-data generator on a fresh random seed: identifiers from it are practically unique in a run. */
const randomGenerator = () => generator(randomBytes(4).readUInt32BE());

/**
 * A valid resident ID nobody else in the test run is likely to hold: one of the demo areas, a birth
 * date in 1955–1995, a random sequence and its check character (see `residentId` in demo-data.ts).
 */
export function newResidentId(): string {
  return residentId(randomGenerator());
}

/** A valid USCC (its organisation code checks out too) nobody else in the test run is likely to hold. */
export function newUscc(): string {
  return uscc(randomGenerator());
}

/** A subject recorded through HTTP by `who` (a RECORDER); its id. */
export async function newSubject(
  t: TestApp,
  who: { auth: Record<string, string> },
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await request(t.http)
    .post('/api/v1/subjects')
    .set(who.auth)
    .send({ kind: 'NATURAL_PERSON', name: `测试人${unique()}`, ...body })
    .expect(201);
  return res.body.id;
}

/** A supertest parser that collects a binary answer into a Buffer: `.buffer(true).parse(binary)`. */
export const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** Row counts of the given tables, keyed by table name, read in one statement. */
export async function rowCounts(t: TestApp, tables: readonly string[]): Promise<Record<string, number>> {
  const [row] = await t.dataSource.query(
    `SELECT ${tables.map((table) => `(SELECT count(*) FROM ${table})::int AS "${table}"`).join(', ')}`,
  );
  return row;
}

/** Polls `probe` until it returns something truthy; fails the test when `ms` pass first. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Rate limits count fixed one-minute windows (both stores): a test that counts up to a limit first
 * waits for the next window when the current one ends within `ms`, so no reset falls in the middle.
 */
export async function freshRateWindow(ms = 10_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < ms) await new Promise((r) => setTimeout(r, left + 50));
}
