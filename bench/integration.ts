/**
 * Integration figures (docs/integration.md): change-feed lag under write load (from a change's commit
 * to a long-polling client holding it), requests a second of a public-entries page, and the share of
 * a mirroring portal's conditional requests answered 304.
 *
 * Run: DATABASE_URL=postgres://… npm run bench:integration   (a server on which a database may be
 * created and dropped; without it an embedded PostgreSQL). BENCH_WRITERS, BENCH_WRITES, BENCH_ENTRIES,
 * BENCH_SECONDS change the load.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { ApiClientsService } from '../src/api-clients/api-clients.service';
import { Role, Scope } from '../src/auth/principal';
import { systemContext } from '../src/common/request-context';
import { generator, residentId } from '../src/demo/demo-data';
import { addDays, todayIn } from '../src/rules/rules';
import { UsersService } from '../src/users/users.service';
import { benchApp, benchDatabase } from './bench-setup';

const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const WRITES = Number(process.env.BENCH_WRITES ?? 100);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const report = (line: string) => process.stdout.write(`${line}\n`);
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function main(): Promise<void> {
  const database = await benchDatabase();
  const databaseUrl = database.url;

  const { app, base } = await benchApp(databaseUrl, {
    DATABASE_POOL_SIZE: '20',
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000000',
  });
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const user = async (role: Role) => {
    const username = `b${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await app
      .get(UsersService)
      .create(systemContext('bench'), { username, displayName: username, password, roles: [role] });
    const tokens = (await call('POST', '/api/v1/auth/login', {}, { username, password })).body;
    return { Authorization: `Bearer ${tokens.accessToken}` };
  };
  const recorder = await user(Role.RECORDER);
  const approver = await user(Role.APPROVER);
  const { key } = await app
    .get(ApiClientsService)
    .create(systemContext('bench'), 'mirror', [Scope.CHANGES_READ]);
  const mirror = { 'X-Api-Key': key };
  const gen = generator(42);
  const today = todayIn();
  let caseNo = 0;
  const blackEntry = async () => {
    const res = await call('POST', '/api/v1/cases', recorder, {
      status: 'DECIDED',
      decisionNumber: `测科〔2026〕${++caseNo}号`,
      authority: '某省科学技术厅',
      decisionDate: addDays(today, -30),
      severity: 'SEVERE',
      misconductTypes: ['PLAGIARISM'],
      source: 'AUDIT',
      subjects: [
        {
          ref: 's',
          subject: {
            kind: 'NATURAL_PERSON',
            name: `测试${caseNo}`,
            identifiers: [{ type: 'RESIDENT_ID', value: residentId(gen) }],
          },
          roles: ['RESEARCHER'],
        },
      ],
      measures: [
        {
          subjectRef: 's',
          type: 'SERIOUS_DB_ENTRY',
          startDate: addDays(today, -30),
          endDate: addDays(today, 700),
        },
      ],
    });
    await call('POST', `/api/v1/listings/${res.body.listingIds[0]}/approve`, approver);
  };

  // 1. Feed lag: WRITERS concurrent writers each record WRITES decisions (and approve them) while a
  // client long-polls; lag = when the client holds a change − when its row was written (commit follows at once).
  const lags: number[] = [];
  let writing = true;
  let after = '0';
  const poller = (async () => {
    for (;;) {
      const stillWriting = writing;
      const page = (await call('GET', `/api/v1/changes?after=${after}&limit=1000&wait=5`, mirror)).body;
      const now = Date.now();
      for (const item of page.items) lags.push(now - Date.parse(item.recordedAt));
      after = page.next;
      if (!stillWriting && page.items.length === 0) return;
    }
  })();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = 0; i < WRITES / WRITERS; i++) await blackEntry();
    }),
  );
  const writeMs = Date.now() - started;
  writing = false;
  await poller;
  lags.sort((a, b) => a - b);
  report(
    `feed lag: ${lags.length} changes from ${WRITERS} writers over ${(writeMs / 1000).toFixed(1)} s ` +
      `(${Math.round((lags.length * 1000) / writeMs)} changes/s): p50 ${quantile(lags, 0.5)} ms, ` +
      `p95 ${quantile(lags, 0.95)} ms, p99 ${quantile(lags, 0.99)} ms, max ${lags[lags.length - 1]} ms`,
  );

  // 2. A public page: the list computed afresh for every request, then with a matching If-None-Match.
  for (let i = WRITES; i < ENTRIES; i++) await blackEntry();
  const page = await call('GET', '/api/v1/public/entries?pageSize=20', {});
  report(`public entries: ${page.body.total} shown`);
  for (const [label, path, headers] of [
    ['reference: GET /health/live', '/health/live', {}],
    ['200 (full page)', '/api/v1/public/entries?pageSize=20', {}],
    [
      '304 (If-None-Match)',
      '/api/v1/public/entries?pageSize=20',
      { 'if-none-match': page.headers.get('etag')! },
    ],
  ] as const) {
    const result = await autocannon({
      url: `${base}${path}`,
      connections: 10,
      duration: SECONDS,
      headers,
    });
    report(
      `public page ${label}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, ` +
        `p99 ${result.latency.p99} ms, statuses ${JSON.stringify(Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])))}`,
    );
  }

  // 3. A portal mirroring the list: a conditional GET every 100 ms for SECONDS while a decision is
  // approved every second; the share answered 304.
  let etag = '';
  let conditional = 0;
  let notModified = 0;
  const until = Date.now() + SECONDS * 1000;
  const writer = (async () => {
    while (Date.now() < until) {
      await blackEntry();
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  while (Date.now() < until) {
    const res = await fetch(`${base}/api/v1/public/entries?pageSize=20`, {
      headers: etag ? { 'if-none-match': etag } : {},
    });
    await res.arrayBuffer();
    if (etag) conditional++;
    if (res.status === 304) notModified++;
    etag = res.headers.get('etag') ?? etag;
    await new Promise((r) => setTimeout(r, 100));
  }
  await writer;
  report(
    `mirroring portal: ${notModified} of ${conditional} conditional requests answered 304 ` +
      `(${((100 * notModified) / conditional).toFixed(1)} %) with one new entry a second`,
  );

  await app.close();
  await database.drop();
}

main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
