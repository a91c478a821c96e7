import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { Transactions } from '../../src/database/transactions';
import { SubjectsRepository } from '../../src/subjects/subjects.repository';
import { WebhookSender } from '../../src/webhooks/webhook-sender.service';
import { verifySignatureHeader } from '../../src/webhooks/webhook-signature';
import { createTestApp, TestApp } from '../app';
import { auditCount, eventually, newResidentId, newSubject, newUser, TestUser } from '../factories';

const WEBHOOKS = '/api/v1/webhooks';
const MAX_ATTEMPTS = 5;

interface Received {
  path: string;
  eventId: string;
  timestamp: string;
  signature: string;
  body: string;
  event: { id: string; type: string; occurredAt: string; cursor: string; data: Record<string, unknown> };
  receivedAt: number;
  answered: 'OK' | 'FAIL' | 'HANG';
}

type Behaviour = (path: string, nth: number) => 'OK' | 'FAIL' | 'HANG';

/** A webhook receiver on 127.0.0.1 that records every request and answers as `behave` says. */
class Receiver {
  readonly received: Received[] = [];
  behave: Behaviour = () => 'OK';
  private readonly server: Server;
  private count = new Map<string, number>();

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  of(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const nth = (this.count.get(path) ?? 0) + 1;
      this.count.set(path, nth);
      const answered = this.behave(path, nth);
      const body = Buffer.concat(chunks).toString('utf8');
      this.received.push({
        path,
        eventId: String(req.headers['x-registry-event-id']),
        timestamp: String(req.headers['x-registry-timestamp']),
        signature: String(req.headers['x-registry-signature']),
        body,
        event: JSON.parse(body),
        receivedAt: Date.now(),
        answered,
      });
      if (answered === 'OK') res.writeHead(204).end();
      else if (answered === 'FAIL') res.writeHead(500).end('down for maintenance');
      // HANG: never answers; the sender's timeout gives up, stop() drops the connection.
    });
  }
}

describe('webhooks', () => {
  let t: TestApp;
  let admin: TestUser;
  let recorder: TestUser;
  const receiver = new Receiver();
  let base: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        WEBHOOK_POLL_MS: '50',
        WEBHOOK_TIMEOUT_MS: '400',
        WEBHOOK_RETRY_BASE_MS: '20',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      },
    });
    [admin, recorder] = await Promise.all([newUser(t, [Role.ADMIN]), newUser(t, [Role.RECORDER])]);
    base = await receiver.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const create = (body: Record<string, unknown>) => request(t.http).post(WEBHOOKS).set(admin.auth).send(body);
  const deliveries = async (id: string, query: Record<string, string | number> = {}) =>
    (await request(t.http).get(`${WEBHOOKS}/${id}/deliveries`).set(admin.auth).query(query).expect(200)).body;
  const disable = (id: string) =>
    request(t.http).post(`${WEBHOOKS}/${id}/disable`).set(admin.auth).expect(200);
  const rename = (id: string, name: string) =>
    request(t.http).patch(`/api/v1/subjects/${id}`).set(recorder.auth).send({ name }).expect(200);

  it('shows the secret once, stores it encrypted, lists and gets endpoints without it, audits creation', async () => {
    const before = await auditCount(t, 'WEBHOOK_CREATED');
    const res = await create({
      url: `${base}/once`,
      eventTypes: ['SUBJECT', 'LISTING'],
      description: 'x',
    }).expect(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({ eventTypes: ['LISTING', 'SUBJECT'], enabled: true, description: 'x' });
    const id = res.body.id;
    const one = await request(t.http).get(`${WEBHOOKS}/${id}`).set(admin.auth).expect(200);
    expect(one.body).not.toHaveProperty('secret');
    expect(one.body.url).toBe(`${base}/once`);
    const all = await request(t.http).get(WEBHOOKS).set(admin.auth).expect(200);
    expect(all.body.map((e: { id: string }) => e.id)).toContain(id);
    expect(JSON.stringify(all.body)).not.toContain(res.body.secret);
    const [row] = await t.dataSource.query('SELECT secret FROM webhook_endpoint WHERE id = $1', [id]);
    expect(row.secret.toString('latin1')).not.toContain(res.body.secret);
    expect(await auditCount(t, 'WEBHOOK_CREATED')).toBe(before + 1);
    const [audit] = await t.dataSource.query(
      `SELECT changes::text AS changes FROM audit_entry WHERE action = 'WEBHOOK_CREATED' AND target_id = $1`,
      [id],
    );
    expect(audit.changes).not.toContain(res.body.secret);
    await disable(id);
  });

  it('refuses bad input with stable codes and answers 404 for unknown endpoints and deliveries', async () => {
    const badUrl = await create({ url: 'ftp://example.org/x', eventTypes: ['SUBJECT'] }).expect(400);
    expect(badUrl.body.code).toBe('VALIDATION_FAILED');
    expect(badUrl.body.details[0].field).toBe('url');
    const badType = await create({ url: `${base}/x`, eventTypes: ['NOPE'] }).expect(400);
    expect(badType.body.details[0].field).toMatch(/^eventTypes/);
    await create({ url: `${base}/x`, eventTypes: [] }).expect(400);
    const missing = '00000000-0000-4000-8000-000000000000';
    const nf = await request(t.http).get(`${WEBHOOKS}/${missing}`).set(admin.auth).expect(404);
    expect(nf.body.code).toBe('WEBHOOK_NOT_FOUND');
    await request(t.http).post(`${WEBHOOKS}/${missing}/rotate-secret`).set(admin.auth).send({}).expect(404);
    const grace = await request(t.http)
      .post(`${WEBHOOKS}/${missing}/rotate-secret`)
      .set(admin.auth)
      .send({ graceSeconds: -1 })
      .expect(400);
    expect(grace.body.details[0].field).toBe('graceSeconds');
    // An object with no primitive value (Number() throws on it) is a bad number, not a 500.
    const object = await request(t.http)
      .post(`${WEBHOOKS}/${missing}/rotate-secret`)
      .set(admin.auth)
      .send({ graceSeconds: { toString: 1, valueOf: 1 } })
      .expect(400);
    expect(object.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'graceSeconds' }] });
    const created = await create({ url: `${base}/nf`, eventTypes: ['CASE'] }).expect(201);
    const nd = await request(t.http)
      .post(`${WEBHOOKS}/${created.body.id}/deliveries/${missing}/redeliver`)
      .set(admin.auth)
      .expect(404);
    expect(nd.body.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
    await request(t.http).get(`${WEBHOOKS}/not-a-uuid/deliveries`).set(admin.auth).expect(400);
    await disable(created.body.id);
  });

  it('delivers every change, signed, in order per subject, through failures and a timeout', async () => {
    const res = await create({ url: `${base}/main`, eventTypes: ['SUBJECT'] }).expect(201);
    const { id, secret } = res.body;
    // Four failures (500), one request left unanswered past the timeout, then it recovers.
    receiver.behave = (path, nth) =>
      path !== '/main' ? 'OK' : nth <= 4 ? 'FAIL' : nth === 5 ? 'HANG' : 'OK';
    const subjects: string[] = [];
    for (let i = 0; i < 5; i++) subjects.push(await newSubject(t, recorder));
    for (let round = 1; round <= 3; round++) {
      for (const s of subjects) await rename(s, `改名${round}号${s.slice(0, 8)}`);
    }
    const expected = subjects.length * 4;
    // Two more senders beside the app's own loop, as other instances would run: they share the work.
    const sender = t.app.get(WebhookSender);
    const delivered = await eventually(async () => {
      await Promise.all([sender.deliverDue(), sender.deliverDue()]);
      const all = await deliveries(id, { limit: 500 });
      return all.length === expected && all.every((d: { status: string }) => d.status === 'DELIVERED') && all;
    }, 'every delivery to succeed');

    const got = receiver.of('/main');
    for (const r of got) {
      expect(verifySignatureHeader(r.signature, secret, r.timestamp, r.body)).toBe(true);
      expect(r.event.id).toBe(r.eventId);
      expect(r.event.type).toBe('SUBJECT');
    }
    // Every event arrived and was accepted (duplicates are allowed: at-least-once; de-duplicate by id).
    const accepted = new Set(got.filter((r) => r.answered === 'OK').map((r) => r.eventId));
    expect(accepted).toEqual(new Set(delivered.map((d: { id: string }) => d.id)));
    // Claims are exclusive: no event was accepted twice although three senders ran.
    expect(got.filter((r) => r.answered === 'OK')).toHaveLength(expected);
    expect(new Set(got.map((r) => r.event.data.entityId))).toEqual(new Set(subjects));
    // Order per subject: no event arrived while an earlier one of its subject was not yet accepted.
    for (const s of subjects) {
      const cursors = delivered
        .filter((d: { entityId: string }) => d.entityId === s)
        .map((d: { cursor: string }) => BigInt(d.cursor))
        .sort((a: bigint, b: bigint) => (a < b ? -1 : 1));
      const done = new Set<bigint>();
      for (const r of got.filter((x) => x.event.data.entityId === s)) {
        const c = BigInt(r.event.cursor);
        expect(cursors.filter((x: bigint) => x < c && !done.has(x))).toEqual([]);
        if (r.answered === 'OK') done.add(c);
      }
      const lastState = got.filter((x) => x.event.data.entityId === s && x.answered === 'OK').at(-1)!;
      expect((lastState.event.data.state as { name: string }).name).toBe(`改名3号${s.slice(0, 8)}`);
    }
    // The failures are in the history.
    const retried = delivered.filter((d: { attempts: number }) => d.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    const log = retried.flatMap(
      (d: { attemptLog: { statusCode: number | null; error: string | null }[] }) => d.attemptLog,
    );
    expect(log.filter((a: { statusCode: number | null }) => a.statusCode === 500)).toHaveLength(4);
    expect(log.filter((a: { error: string | null }) => a.error === 'no answer within 400 ms')).toHaveLength(
      1,
    );
    expect(got.filter((r) => r.answered !== 'OK')).toHaveLength(5);
    await disable(id);
  });

  it('queues a delivery in the transaction of its change: a change rolled back sends nothing', async () => {
    receiver.behave = () => 'OK';
    const res = await create({ url: `${base}/tx`, eventTypes: ['SUBJECT'] }).expect(201);
    const tx = t.app.get(Transactions);
    const subjects = t.app.get(SubjectsRepository);
    const insert = (m: Parameters<Parameters<Transactions['run']>[0]>[0], name: string) =>
      subjects.insert(m, {
        kind: 'NATURAL_PERSON',
        name,
        nameKey: name,
        organisation: null,
        organisationKey: null,
        createdBy: null,
      });
    await expect(
      tx.run(async (m) => {
        await insert(m, '回滚的人');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const committed = await tx.run((m) => insert(m, '提交的人'));
    await eventually(async () => receiver.of('/tx').length > 0, 'the committed change');
    const queued = await t.dataSource.query(
      `SELECT c.entity_id AS "entityId" FROM webhook_delivery d JOIN change_event c ON c.seq = d.change_seq
       WHERE d.endpoint_id = $1`,
      [res.body.id],
    );
    expect(queued).toEqual([{ entityId: committed }]);
    expect(receiver.of('/tx').map((r) => r.event.data.entityId)).toEqual([committed]);
    await disable(res.body.id);
  });

  it('sends subject identifiers in full, as the change feed does', async () => {
    const res = await create({ url: `${base}/ids`, eventTypes: ['SUBJECT'] }).expect(201);
    const residentId = newResidentId();
    const subject = await newSubject(t, recorder, {
      identifiers: [{ type: 'RESIDENT_ID', value: residentId }],
    });
    const r = await eventually(
      async () => receiver.of('/ids').find((x) => x.event.data.entityId === subject),
      'the event',
    );
    const state = r.event.data.state as {
      identifiers: { value: string; masked: string; ciphertext?: string }[];
    };
    expect(state.identifiers[0].value).toBe(residentId);
    expect(state.identifiers[0]).not.toHaveProperty('ciphertext');
    await disable(res.body.id);
  });

  it('queues nothing for a disabled endpoint and sends what waited once it is enabled again', async () => {
    const res = await create({ url: `${base}/toggle`, eventTypes: ['SUBJECT'] }).expect(201);
    const id = res.body.id;
    receiver.behave = (path) => (path === '/toggle' ? 'FAIL' : 'OK');
    const first = await newSubject(t, recorder);
    await eventually(async () => (await deliveries(id))[0]?.attempts >= 1, 'a failed attempt');
    const before = await auditCount(t, 'WEBHOOK_DISABLED');
    const off = await disable(id);
    expect(off.body.enabled).toBe(false);
    expect(await auditCount(t, 'WEBHOOK_DISABLED')).toBe(before + 1);
    await newSubject(t, recorder);
    receiver.behave = () => 'OK';
    const queued = await deliveries(id);
    expect(queued.map((d: { entityId: string }) => d.entityId)).toEqual([first]);
    await request(t.http).post(`${WEBHOOKS}/${id}/enable`).set(admin.auth).expect(200);
    await eventually(async () => (await deliveries(id))[0].status === 'DELIVERED', 'the waiting delivery');
    await disable(id);
  });

  it('gives up as DEAD after the maximum attempts, and redelivers on request with the same event id', async () => {
    const res = await create({ url: `${base}/dead`, eventTypes: ['SUBJECT'] }).expect(201);
    const id = res.body.id;
    receiver.behave = (path) => (path === '/dead' ? 'FAIL' : 'OK');
    const subject = await newSubject(t, recorder);
    const [dead] = await eventually(async () => {
      const all = await deliveries(id, { status: 'DEAD' });
      return all.length === 1 && all;
    }, 'the dead letter');
    expect(dead).toMatchObject({
      entityId: subject,
      attempts: MAX_ATTEMPTS,
      lastStatusCode: 500,
      nextAttemptAt: null,
    });
    expect(dead.attemptLog).toHaveLength(MAX_ATTEMPTS);
    expect(receiver.of('/dead')).toHaveLength(MAX_ATTEMPTS);
    // Later changes of the subject are no longer held back by the dead letter.
    receiver.behave = () => 'OK';
    await rename(subject, '死信之后');
    await eventually(
      async () => (await deliveries(id, { status: 'DELIVERED' })).length === 1,
      'the later change',
    );

    const audited = await auditCount(t, 'WEBHOOK_REDELIVERY_REQUESTED');
    const again = await request(t.http)
      .post(`${WEBHOOKS}/${id}/deliveries/${dead.id}/redeliver`)
      .set(admin.auth)
      .expect(200);
    expect(again.body).toMatchObject({ id: dead.id, status: 'PENDING', attempts: 0 });
    expect(await auditCount(t, 'WEBHOOK_REDELIVERY_REQUESTED')).toBe(audited + 1);
    await eventually(
      async () => (await deliveries(id, { status: 'DELIVERED' })).length === 2,
      'the redelivery',
    );
    const ok = receiver.of('/dead').filter((r) => r.answered === 'OK' && r.eventId === dead.id);
    expect(ok).toHaveLength(1);
    expect(ok[0].event.cursor).toBe(dead.cursor);
    await disable(id);
  });

  it('rotates the secret: shown once, the previous one signs too for the grace period only', async () => {
    receiver.behave = () => 'OK';
    const res = await create({ url: `${base}/rot`, eventTypes: ['SUBJECT'] }).expect(201);
    const { id, secret: first } = res.body;
    const audited = await auditCount(t, 'WEBHOOK_SECRET_ROTATED');
    const rotated = await request(t.http)
      .post(`${WEBHOOKS}/${id}/rotate-secret`)
      .set(admin.auth)
      .send({ graceSeconds: 3600 })
      .expect(200);
    const second = rotated.body.secret;
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(rotated.body.previousSecretValidUntil).not.toBeNull();
    expect(await auditCount(t, 'WEBHOOK_SECRET_ROTATED')).toBe(audited + 1);
    const one = await request(t.http).get(`${WEBHOOKS}/${id}`).set(admin.auth).expect(200);
    expect(JSON.stringify(one.body)).not.toContain(second);

    const s1 = await newSubject(t, recorder);
    const r1 = await eventually(
      async () => receiver.of('/rot').find((r) => r.event.data.entityId === s1),
      'an event',
    );
    expect(r1.signature.split(',')).toHaveLength(2);
    expect(verifySignatureHeader(r1.signature, second, r1.timestamp, r1.body)).toBe(true);
    expect(verifySignatureHeader(r1.signature, first, r1.timestamp, r1.body)).toBe(true);

    const third = (
      await request(t.http)
        .post(`${WEBHOOKS}/${id}/rotate-secret`)
        .set(admin.auth)
        .send({ graceSeconds: 0 })
        .expect(200)
    ).body;
    expect(third.previousSecretValidUntil).toBeNull();
    const s2 = await newSubject(t, recorder);
    const r2 = await eventually(
      async () => receiver.of('/rot').find((r) => r.event.data.entityId === s2),
      'an event',
    );
    expect(r2.signature.split(',')).toHaveLength(1);
    expect(verifySignatureHeader(r2.signature, third.secret, r2.timestamp, r2.body)).toBe(true);
    expect(verifySignatureHeader(r2.signature, second, r2.timestamp, r2.body)).toBe(false);
    await disable(id);
  });

  it('measures delivery latency from commit to receiver (figures, not asserted)', async () => {
    receiver.behave = () => 'OK';
    const res = await create({ url: `${base}/latency`, eventTypes: ['SUBJECT'] }).expect(201);
    const n = 100;
    for (let i = 0; i < n; i++) await newSubject(t, recorder);
    const got = await eventually(async () => {
      const all = receiver.of('/latency');
      return all.length >= n && all;
    }, 'every event');
    const ms = got.map((r) => r.receivedAt - Date.parse(r.event.occurredAt)).sort((a, b) => a - b);
    const pct = (p: number) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)];
    process.stdout.write(
      `webhook delivery latency, commit to receiver, ${ms.length} events: median ${pct(50)} ms, p95 ${pct(95)} ms, max ${ms.at(-1)} ms\n`,
    );
    expect(got).toHaveLength(n);
    await disable(res.body.id);
  });
});
