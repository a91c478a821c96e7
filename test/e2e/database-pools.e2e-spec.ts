import { Client } from 'pg';
import request from 'supertest';
import { Scope } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';
import { eventually, newApiClient } from '../factories';

/** Connections the app's check pool holds open on its database, counted from the server's side. */
async function checkConnections(t: TestApp): Promise<number> {
  const url = new URL(t.databaseUrl);
  const client = new Client({ connectionString: t.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE '% screening'`,
      [url.pathname.slice(1)],
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

async function runCheck(t: TestApp): Promise<void> {
  const client = await newApiClient(t, [Scope.CHECKS_RUN]);
  await request(t.http)
    .post('/api/v1/checks')
    .set(client.auth)
    .send({ domain: 'PROJECT_FUNDING', purpose: 'pool test', applicants: [{ name: '池连接' }] })
    .expect(200);
}

describe('database pools: idle connections (DATABASE_POOL_IDLE_TIMEOUT_MS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { DATABASE_POOL_IDLE_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => t.close());

  it('closes a connection left unused for longer than the setting', async () => {
    await runCheck(t);
    expect(await checkConnections(t)).toBeGreaterThan(0);
    await eventually(
      async () => (await checkConnections(t)) === 0,
      'the idle check connection to close',
      5_000,
    );
  });
});

describe('database pools: idle connections by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('keeps an unused connection open well past pg-pool’s own 10 seconds', async () => {
    await runCheck(t);
    const open = await checkConnections(t);
    expect(open).toBeGreaterThan(0);
    // pg-pool would close it after 10 s; the registry's default is 5 minutes.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(await checkConnections(t)).toBe(open);
  });
});
