import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createTestDatabase, TestDatabase } from '../database';
import { logLines, startService } from '../process';

describe('start-up and shutdown of the real process', () => {
  it('refuses a bad configuration, naming the variable, before touching anything', async () => {
    const service = startService({ PORT: 'not-a-port', LOG_LEVEL: 'chatty' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('PORT');
    expect(service.output()).toContain('LOG_LEVEL');
    expect(service.output()).not.toContain('listening');
  });

  describe('with DATABASE_URL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('serves health, logs JSON with request ids, and exits 0 on SIGTERM', async () => {
      const service = startService({ DATABASE_URL: db.url });
      const port = await service.listening;
      const base = `http://127.0.0.1:${port}`;
      await request(base).get('/health/ready').expect(200);
      await request(base).get('/api/v1/missing').set('X-Request-Id', 'trace-me-1').expect(404);

      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      const lines = logLines(service.output());
      const requestLine = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-me-1');
      expect(requestLine).toMatchObject({ res: { statusCode: 404 } });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['SIGTERM received: shutting down', 'stopped']),
      );
    });

    it('stops with a message when the database cannot be reached', async () => {
      const url = new URL(db.url);
      url.port = '1';
      const service = startService({ DATABASE_URL: url.toString() });
      expect(await service.exited).toBe(1);
      expect(service.output()).toMatch(/start-up failed/);
    }, 30_000);
  });

  describe('with the embedded PostgreSQL', () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'registry-embedded-'));
      await chmod(dataDir, 0o755);
    });
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    const embeddedPort = (output: string): number =>
      Number(
        logLines(output).find(
          (l) => typeof l.msg === 'string' && l.msg.startsWith('embedded PostgreSQL ready'),
        )?.port,
      );

    it('initialises, serves, stops the server, and keeps the data across a restart', async () => {
      const first = startService({ DATA_DIR: dataDir });
      const port = await first.listening;
      await request(`http://127.0.0.1:${port}`).get('/health/ready').expect(200);

      const password = (await readFile(join(dataDir, 'pg.password'), 'utf8')).trim();
      const pgUrl = (pgPort: number) =>
        `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/registry`;
      const client = new Client({ connectionString: pgUrl(embeddedPort(first.output())) });
      await client.connect();
      // The ready line states whether the server's shared memory is in huge pages, as the server does.
      const ready = logLines(first.output()).find(
        (l) => typeof l.msg === 'string' && l.msg.startsWith('embedded PostgreSQL ready'),
      );
      const { rows: status } = await client.query(`SELECT current_setting('huge_pages_status') AS s`);
      expect(ready?.hugePages).toBe(status[0].s);
      await client.query('CREATE TABLE restart_marker (note text)');
      await client.query("INSERT INTO restart_marker VALUES ('kept')");
      await client.end();

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

      const second = startService({ DATA_DIR: dataDir });
      const port2 = await second.listening;
      await request(`http://127.0.0.1:${port2}`).get('/health/ready').expect(200);
      const again = new Client({ connectionString: pgUrl(embeddedPort(second.output())) });
      await again.connect();
      const { rows } = await again.query('SELECT note FROM restart_marker');
      const migrations = await again.query('SELECT count(*)::int AS n FROM typeorm_migrations');
      await again.end();
      expect(rows).toEqual([{ note: 'kept' }]);
      expect(migrations.rows[0].n).toBeGreaterThan(0);

      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    }, 90_000);
  });
});
