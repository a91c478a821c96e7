import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, Min, ValidateNested } from 'class-validator';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Public } from '../../src/auth/access.decorators';
import { createTestApp, TestApp } from '../app';

class ProbeItemDto {
  @IsString()
  @IsNotEmpty()
  name: string;
}

class ProbeDto {
  @IsInt()
  @Min(1)
  @Max(10)
  count: number;

  @ValidateNested({ each: true })
  @Type(() => ProbeItemDto)
  items: ProbeItemDto[];
}

/** Routes that exercise the global pipe and filter; mounted only in this test's app. */
@Controller('probe')
@Public()
class ProbeController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('echo')
  echo(@Body() body: ProbeDto) {
    return { count: body.count, names: body.items.map((i) => i.name) };
  }

  @Get('crash')
  crash() {
    throw new Error('connection string postgres://admin:hunter2@db/internal');
  }

  @Post('duplicate')
  async duplicate() {
    await this.dataSource.query('CREATE TEMP TABLE IF NOT EXISTS probe_unique (k int PRIMARY KEY)');
    await this.dataSource.query('INSERT INTO probe_unique VALUES (1)');
    await this.dataSource.query('INSERT INTO probe_unique VALUES (1)');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('HTTP foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ imports: [ProbeModule], env: { BODY_LIMIT_BYTES: '2048' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('health', () => {
    it('answers liveness without the API prefix', async () => {
      const res = await request(t.http).get('/health/live').expect(200);
      expect(res.body.status).toBe('ok');
    });

    it('answers readiness after pinging the database', async () => {
      const res = await request(t.http).get('/health/ready').expect(200);
      expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });

    it('is not served under the API prefix', async () => {
      await request(t.http).get('/api/v1/health/ready').expect(404);
    });
  });

  describe('request ids', () => {
    it('generates an id and returns it in X-Request-Id', async () => {
      const res = await request(t.http).get('/health/live').expect(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
    });

    it('keeps the id the caller sent', async () => {
      const res = await request(t.http)
        .get('/health/live')
        .set('X-Request-Id', 'review-2026-0042')
        .expect(200);
      expect(res.headers['x-request-id']).toBe('review-2026-0042');
    });

    it('puts the same id in the error body and the header', async () => {
      const res = await request(t.http).get('/api/v1/nothing-here').expect(404);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    });
  });

  describe('error shape', () => {
    it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
      const res = await request(t.http).get('/api/v1/nothing-here').expect(404);
      expect(res.body).toEqual({
        code: 'ROUTE_NOT_FOUND',
        message: 'No route matches GET /api/v1/nothing-here',
        details: [],
        requestId: expect.any(String),
      });
    });

    it('answers an unknown method on a known path with 404 in the same shape', async () => {
      const res = await request(t.http).delete('/health/live').expect(404);
      expect(res.body.code).toBe('ROUTE_NOT_FOUND');
    });

    it('passes a valid body through the pipe, transformed', async () => {
      const res = await request(t.http)
        .post('/api/v1/probe/echo')
        .send({ count: 2, items: [{ name: 'a' }, { name: 'b' }] })
        .expect(201);
      expect(res.body).toEqual({ count: 2, names: ['a', 'b'] });
    });

    it('lists every offending field, nested ones by path', async () => {
      const res = await request(t.http)
        .post('/api/v1/probe/echo')
        .send({ count: 11, items: [{ name: '' }], extra: true })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toContain('count');
      const byField = Object.fromEntries(
        res.body.details.map((d: { field: string; code: string }) => [d.field, d.code]),
      );
      expect(byField).toEqual({ count: 'MAX', 'items.0.name': 'IS_NOT_EMPTY', extra: 'UNKNOWN_FIELD' });
      for (const detail of res.body.details) expect(detail.message).toEqual(expect.any(String));
    });

    it('answers malformed JSON with 400 MALFORMED_BODY', async () => {
      const res = await request(t.http)
        .post('/api/v1/probe/echo')
        .set('Content-Type', 'application/json')
        .send('{"count": 2,')
        .expect(400);
      expect(res.body).toMatchObject({ code: 'MALFORMED_BODY', details: [] });
    });

    it('answers a body over the limit with 413', async () => {
      const res = await request(t.http)
        .post('/api/v1/probe/echo')
        .send({ count: 1, items: [{ name: 'x'.repeat(4096) }] })
        .expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('answers an unsupported content type with 415', async () => {
      const res = await request(t.http)
        .post('/api/v1/probe/echo')
        .set('Content-Type', 'application/x-unknown')
        .send('count=1')
        .expect(415);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('hides the internals of a server error', async () => {
      const res = await request(t.http).get('/api/v1/probe/crash').expect(500);
      expect(res.body).toEqual({
        code: 'INTERNAL_ERROR',
        message: 'Internal error',
        details: [],
        requestId: expect.any(String),
      });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
    });

    it('answers a unique violation with 409 CONFLICT', async () => {
      const res = await request(t.http).post('/api/v1/probe/duplicate').expect(409);
      expect(res.body.code).toBe('CONFLICT');
    });
  });

  describe('OpenAPI', () => {
    it('serves the document generated from the code', async () => {
      const res = await request(t.http).get('/docs/openapi.json').expect(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(res.body.info.title).toBe('Research Integrity Registry');
      expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await request(t.http).get('/docs').redirects(1).expect(200);
      expect(res.text).toContain('swagger-ui');
    });
  });

  describe('schema', () => {
    it('comes from the migrations, all applied', async () => {
      const rows: { name: string }[] = await t.dataSource.query('SELECT name FROM typeorm_migrations');
      expect(rows.map((r) => r.name)).toEqual(t.dataSource.migrations.map((m) => m.name));
      expect(await t.dataSource.showMigrations()).toBe(false);
      const ext: { extname: string }[] = await t.dataSource.query('SELECT extname FROM pg_extension');
      expect(ext.map((e) => e.extname)).toEqual(expect.arrayContaining(['pg_trgm', 'pgcrypto']));
    });
  });
});
