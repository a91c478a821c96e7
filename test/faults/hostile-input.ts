import fc from 'fast-check';
import { Agent } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { newApiClient, newResidentId, newUser, TestUser } from '../factories';
import { registryFixtures } from '../registry-fixtures';
import { recordFigure } from './figures';
import { Scope } from '../../src/auth/principal';

/**
 * Issue 12, item 4 (npm run test:faults, in three shards that run side by side): every JSON endpoint of the OpenAPI document the service serves, driven with
 * generated bodies, query strings and headers (wrong types, huge strings, NUL, deep nesting, unicode
 * confusables, prototype-pollution keys, SQL and formula payloads). Every answer is 2xx or 4xx with
 * a `code`, never 5xx, and a refused request leaves the database as it was.
 */

const TOTAL_CASES = 10_000;

/**
 * Refusals that write on purpose: a failed login is counted against the address and the account
 * (lockout) and audited.
 */
const WRITES_ON_REFUSAL: Record<string, string[]> = {
  'post /api/v1/auth/login': ['login_failure', 'audit_entry'],
};

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

/** Strings that have broken services before: SQL, spreadsheet formulas, NUL, confusables, odd unicode. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "' OR '1'='1",
  "'; DROP TABLE subject; --",
  "Robert'); DELETE FROM audit_entry;--",
  '1; SELECT pg_sleep(10)',
  '$1',
  '=1+1',
  '=HYPERLINK("http://evil.example","点此")',
  "+cmd|' /C calc'!A0",
  '-2+3',
  '@SUM(A1)',
  '\t=1',
  'ＡＤＭＩＮ',
  'аdmin',
  '\u202Eevil\u202C',
  '\u200B',
  '\uFEFF',
  '\uD800',
  'x\uDFFFy',
  '𝕬𝖉𝖒𝖎𝖓',
  '张\u0301三',
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-0',
  '1e999',
  '9'.repeat(400),
  '11010519491231002X',
  '110105194912310021',
  '914403001922038216',
  '2026-02-30',
  '0000-00-00',
  '9999-12-31',
  '-infinity',
  '2026-13-01T25:61:61Z',
  'null',
  'true',
  '[]',
  '{}',
];

const hugeString = fc.constantFrom(
  'x'.repeat(100_000),
  '张'.repeat(40_000),
  '\u0000'.repeat(5_000),
  'é'.repeat(70_000),
);
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: hugeString },
);
const pollutingKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(2 ** 53 + 1, -1, 0, 1e308, -1e308, 0.1, 1e-300),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.oneof(hostileString, pollutingKey), hostileString, { maxKeys: 3 }),
  fc.integer({ min: 2, max: 300 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown),
);
/** Printable Latin-1: what an HTTP client lets through in a header. */
const headerString = fc.oneof(
  fc.constantFrom(
    "' OR 1=1",
    '=1+1',
    '__proto__',
    '',
    ' ',
    '*',
    '"',
    'W/"1"',
    '"1"',
    '"-1"',
    '"99999999999999999999"',
    'ÿþ',
    'x'.repeat(8000),
  ),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0xfe }).map((c) => String.fromCharCode(c === 0x7f ? 0xff : c)),
    maxLength: 40,
  }),
);

/** Bodies no schema describes: broken JSON, nesting past any limit, prototype pollution, a BOM. */
const RAW_BODIES = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":}',
    'null',
    '[]',
    '"x"',
    '0',
    '\uFEFF{}',
    '{"__proto__":{"isAdmin":true,"roles":["ADMIN"]}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":1,"a":2}',
    '{"name":"\\u0000"}',
    '{"name":"\\ud800"}',
    'x'.repeat(2 * 1024 * 1024),
  ),
  fc.integer({ min: 10, max: 100_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 10, max: 100_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

function deref(doc: Doc, schema: Schema): Schema {
  let s = schema;
  while (s.$ref) s = doc.components.schemas[s.$ref.replace('#/components/schemas/', '')];
  return s;
}

/** Values mostly of the schema's shape, some leaves hostile: deep code paths get reached, then broken. */
function fromSchema(doc: Doc, schema: Schema, ids: string[], depth = 0): fc.Arbitrary<unknown> {
  const good = conforming(doc, deref(doc, schema), ids, depth);
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: hostileValue });
}

function conforming(doc: Doc, s: Schema, ids: string[], depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.allOf?.length) return fromSchema(doc, s.allOf[0], ids, depth + 1);
  const choices = s.oneOf ?? s.anyOf;
  if (choices?.length) return fc.oneof(...choices.map((c) => fromSchema(doc, c, ids, depth + 1)));
  const today = todayIn();
  switch (s.type) {
    case 'array':
      return fc.array(s.items ? fromSchema(doc, s.items, ids, depth + 1) : hostileValue, { maxLength: 3 });
    case 'object':
    case undefined: {
      if (!s.properties)
        return fc.dictionary(fc.oneof(hostileString, pollutingKey), hostileValue, { maxKeys: 3 });
      const props = Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, fromSchema(doc, v, ids, depth + 1)]),
      );
      return fc.record(props, { requiredKeys: s.required ?? [] });
    }
    case 'integer':
    case 'number':
      return fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 1000, 100_000) });
    case 'boolean':
      return fc.boolean();
    default:
      if (s.format === 'uuid') return fc.constantFrom(...ids);
      if (s.format === 'date-time') return fc.constantFrom(new Date().toISOString(), '2020-01-01T00:00:00Z');
      if (typeof s.example === 'string' && /^\d{4}-\d\d-\d\d$/.test(s.example)) {
        return fc.constantFrom(today, addDays(today, -400), addMonths(today, 30), s.example);
      }
      return fc.oneof(
        fc.constant(typeof s.example === 'string' ? s.example : 'x'),
        fc.constantFrom(newResidentId(), '某大学', '张三', today),
        fc.string({ maxLength: 20 }),
      );
  }
}

/** Percent-encoding that also takes lone surrogates, sent as the invalid UTF-8 bytes they would be. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD')) + '%ED%A0%80';
  }
}

interface Attempt {
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
}

function operations(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content;
      // File uploads (multipart) have their own test below.
      if (content && !content['application/json']) continue;
      ops.push({
        method: method as Operation['method'],
        path,
        parameters: op.parameters ?? [],
        body: content?.['application/json'].schema,
      });
    }
  }
  return ops;
}

function attempts(
  doc: Doc,
  op: Operation,
  ids: string[],
  auth: Record<string, string>,
): fc.Arbitrary<Attempt> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const idLike = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: hostileString.filter((s) => s.length < 5000 && s.length > 0) },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
  const path = fc
    .tuple(...pathParams.map(() => idLike))
    .map((values) =>
      pathParams.reduce((p, param, i) => p.replace(`{${param.name}}`, encode(values[i])), op.path),
    );
  const queryValue = (p: Parameter) =>
    fromSchema(doc, p.schema, ids).map((v) =>
      (Array.isArray(v) ? v : [v]).map(
        (x) => `${encode(p.name)}=${encode(typeof x === 'string' ? x : (JSON.stringify(x) ?? ''))}`,
      ),
    );
  const query = fc
    .tuple(
      ...queryParams.map((p) => fc.option(queryValue(p), { nil: [] as string[] })),
      fc.array(
        fc.tuple(
          fc.oneof(hostileString, pollutingKey, fc.constantFrom('a[b]', 'a[__proto__][x]', 'page[]')),
          hostileString,
        ),
        { maxLength: 2 },
      ),
    )
    .map((parts) => {
      const extra = parts.pop() as [string, string][];
      const pairs = (parts as string[][]).flat();
      for (const [k, v] of extra) pairs.push(`${encode(k)}=${encode(v.slice(0, 2000))}`);
      return pairs.length ? `?${pairs.join('&')}` : '';
    });
  const body: fc.Arbitrary<string | undefined> = op.body
    ? fc.oneof(
        {
          weight: 8,
          arbitrary: fc
            .tuple(
              fromSchema(doc, op.body, ids),
              fc.option(fc.tuple(pollutingKey, hostileValue), { freq: 5 }),
            )
            .map(([value, extra]) => {
              const json = JSON.stringify(value) ?? 'null';
              if (!extra || !json.startsWith('{')) return json;
              const injected = `${JSON.stringify(extra[0])}:${JSON.stringify(extra[1]) ?? 'null'}`;
              return json === '{}' ? `{${injected}}` : `{${injected},${json.slice(1)}`;
            }),
        },
        { weight: 1, arbitrary: RAW_BODIES },
      )
    : fc.option(RAW_BODIES, { freq: 4, nil: undefined });
  const headers = fc
    .record(
      {
        authorization: fc.oneof(
          { weight: 12, arbitrary: fc.constant(auth.Authorization) },
          { weight: 1, arbitrary: headerString.map((s) => `Bearer ${s}`) },
          { weight: 1, arbitrary: headerString },
        ),
        'content-type': fc.oneof(
          { weight: 12, arbitrary: fc.constant('application/json') },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              'application/json; charset=gbk',
              'application/json; charset=utf-16',
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
              'application/json, text/plain',
              'application/vnd.api+json',
            ),
          },
          { weight: 1, arbitrary: headerString },
        ),
        'if-match': headerString,
        'x-request-id': headerString,
        'x-api-key': headerString,
        'accept-language': headerString,
        accept: fc.constantFrom('application/json', 'text/csv', '*/*', '', 'application/xml'),
      },
      { requiredKeys: ['authorization', 'content-type'] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')) as Record<string, string>);
  return fc.record({ path, query, headers, body });
}

/**
 * The property over the operations whose index in the document is `shard` modulo `shards`; together
 * the shards send at least TOTAL_CASES requests.
 */
export function describeHostileInput(shard: number, shards: number): void {
  describe(`hostile input on every JSON endpoint, shard ${shard + 1} of ${shards} (issue 12)`, () => {
    let t: TestApp;
    let base: string;
    let admin: TestUser;
    let doc: Doc;
    let checksumSql: string;
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const ids: string[] = [];
    let cases = 0;
    const statuses = new Map<number, number>();

    /** Row count and newest row version of each table, by table. */
    const checksum = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        ((await t.dataSource.query(checksumSql))[0].sum as string).split(' ').map((e) => {
          const [table, ...rest] = e.split(':');
          return [table, rest.join(':')];
        }),
      );

    beforeAll(async () => {
      t = await createTestApp();
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
      admin = await newUser(t, [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.REVIEWER, Role.AUDITOR]);
      const [recorder, approver, other] = await Promise.all([
        newUser(t, [Role.RECORDER]),
        newUser(t, [Role.APPROVER]),
        newUser(t, [Role.REVIEWER]),
      ]);
      const today = todayIn();
      const { person, record } = registryFixtures(t, recorder, approver, today);
      const recorded = await record(person('王敌意', '某大学', newResidentId()), [
        { type: 'SERIOUS_DB_ENTRY', startDate: addDays(today, -30), endDate: addMonths(today, 24) },
      ]);
      const check = await request(t.http)
        .post('/api/v1/checks')
        .set(admin.auth)
        .send({ domain: 'PROJECT_FUNDING', purpose: 'fuzz', applicants: [{ name: '王敌意' }] })
        .expect(200);
      const client = await newApiClient(t, [Scope.CHECKS_RUN]);
      // Real ids of every kind, so generated requests reach past "not found"; never the admin's own.
      ids.push(
        recorded.id,
        recorded.subjects[0].subjectId,
        ...recorded.listingIds,
        check.body.id,
        other.id,
        client.id,
      );
      ids.push(randomUUID(), '00000000-0000-0000-0000-000000000000');
      doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body as Doc;

      // A refused request must leave every table as it was: row count and newest row version (xmin)
      // of each, in one statement. The sealer's tables are left out: it writes them in the background.
      const tables: { name: string }[] = await t.dataSource.query(
        `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('audit_seal', 'audit_seal_round', 'typeorm_migrations')
       ORDER BY table_name`,
      );
      checksumSql = `SELECT concat_ws(' ', ${tables
        .map(
          (tb) =>
            `(SELECT '${tb.name}:' || count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM "${tb.name}")`,
        )
        .join(', ')}) AS sum`;
    });

    afterAll(async () => {
      keepAlive.destroy();
      await t?.close();
    });

    it('finds the JSON endpoints in the OpenAPI document', () => {
      expect(operations(doc).length).toBeGreaterThan(40);
    });

    const mine = () => operations(doc).filter((_, i) => i % shards === shard);

    const perOperation = () => Math.ceil(TOTAL_CASES / operations(doc).length);

    it('answers 2xx or 4xx with a code, never 5xx, and a refusal changes nothing', async () => {
      const started = Date.now();
      // FUZZ_OPERATION="post /api/v1/subjects/search" and FUZZ_SEED replay one operation's run.
      const only = process.env.FUZZ_OPERATION;
      for (const op of mine().filter((o) => !only || `${o.method} ${o.path}` === only)) {
        let before = await checksum();
        const run = await fc.check(
          fc.asyncProperty(attempts(doc, op, ids, admin.auth), async (a) => {
            cases++;
            let req = request(base)
              [op.method](a.path + a.query)
              .timeout(30_000);
            for (const [k, v] of Object.entries(a.headers)) req = req.set(k, v);
            if (a.body !== undefined) req = req.send(a.body);
            const res = await req.ok(() => true);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const where = `${op.method.toUpperCase()} ${a.path}${a.query.slice(0, 200)}`;
            if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
              throw new Error(`${where} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
            }
            const after = await checksum();
            if (res.status >= 400) {
              const code = (res.body as { code?: unknown })?.code;
              if (typeof code !== 'string' || code === '') {
                throw new Error(`${where} answered ${res.status} without a code: ${res.text.slice(0, 200)}`);
              }
              const changed = Object.keys(after).filter(
                (table) =>
                  after[table] !== before[table] &&
                  !WRITES_ON_REFUSAL[`${op.method} ${op.path}`]?.includes(table),
              );
              if (changed.length > 0) {
                throw new Error(
                  `${where} answered ${res.status} ${code} but changed ${changed.map((c) => `${c} (${before[c]} → ${after[c]})`).join(', ')}`,
                );
              }
            }
            before = after;
          }),
          {
            numRuns: perOperation(),
            endOnFailure: true,
            ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
          },
        );
        // The counterexample alone, cut short: a generated body can be megabytes.
        if (run.failed) {
          throw new Error(
            `${op.method.toUpperCase()} ${op.path}, seed ${run.seed}: ${String(run.errorInstance).slice(0, 3000)}`,
          );
        }
      }
      if (!only) expect(cases).toBeGreaterThanOrEqual(perOperation() * mine().length);
      recordFigure(`hostile input, shard ${shard + 1} of ${shards}`, {
        requests: cases,
        operations: mine().length,
        ms: Date.now() - started,
        statuses: JSON.stringify(Object.fromEntries(statuses)),
      });
    }, 600_000);
  });
}
