import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { ExportsService } from '../../src/exports/exports.service';
import { IdentifierType } from '../../src/identifiers/identifiers';
import { PersonalDataProtector } from '../../src/personal-data/personal-data.protector';
import { todayIn } from '../../src/rules/rules';
import { addDays } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import {
  auditCount,
  binary,
  eventually,
  newApiClient,
  newResidentId,
  newSubject,
  newUscc,
  newUser,
  TestApiClient,
  TestUser,
} from '../factories';
import { registryFixtures } from '../registry-fixtures';

type Row = Record<string, unknown>;

/** The rows of an export file, whatever its format, as objects keyed by column (NDJSON: the records). */
async function rowsOf(format: string, body: Buffer): Promise<Row[]> {
  if (format === 'csv') {
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    return parse(body.toString('utf8'), { bom: true, columns: true });
  }
  if (format === 'ndjson') {
    const text = body.toString('utf8');
    expect(text === '' || text.endsWith('\n')).toBe(true);
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ExcelJS.Buffer);
  const [sheet, about] = workbook.worksheets;
  expect(about.name).toBe('export');
  const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
  const rows: Row[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as unknown[]).slice(1);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? null])));
  });
  const summary = Object.fromEntries(
    about.getSheetValues().flatMap((v) => (Array.isArray(v) ? [[v[1], v[2]]] : [])),
  );
  expect(summary.rows).toBe(rows.length);
  return rows;
}

/** Listens on a free port of 127.0.0.1 (for raw HTTP clients); the base URL. */
async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
}

/** `n` subjects with a resident ID each, in two statements. */
async function seedSubjects(t: TestApp, n: number): Promise<void> {
  // One real ciphertext for every seeded identifier: decrypting it is what a full export does.
  const protector = t.app.get(PersonalDataProtector);
  const id = newResidentId();
  await t.dataSource.query(
    `WITH s AS (
       INSERT INTO subject (kind, name, name_key, organisation, organisation_key)
       SELECT 'NATURAL_PERSON', '批量' || g, 'pl' || g, '某大学', 'mdx' FROM generate_series(1, $1) g
       RETURNING id)
     INSERT INTO subject_identifier (subject_id, type, lookup_hash, ciphertext, masked)
     SELECT id, 'RESIDENT_ID', decode(md5(id::text), 'hex'), $2, $3 FROM s`,
    [n, protector.encrypt(id), protector.mask(IdentifierType.RESIDENT_ID, id)],
  );
}

/** Starts an export over raw HTTP; the response is paused after its first chunk. */
function openPaused(base: string, who: { auth: Record<string, string> }, path: string) {
  return new Promise<{ res: http.IncomingMessage; first: Buffer }>((resolve, reject) => {
    http
      .get(`${base}/api/v1/exports/${path}`, { headers: who.auth }, (res) => {
        if (res.statusCode !== 200) {
          res.once('data', (body: Buffer) => reject(new Error(`${res.statusCode} ${body.toString()}`)));
          return;
        }
        res.once('data', (first: Buffer) => {
          res.pause();
          resolve({ res, first });
        });
      })
      .on('error', reject);
  });
}

/** Export transactions open on the database now. */
async function exportTransactions(t: TestApp): Promise<number> {
  const [row] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND xact_start IS NOT NULL AND query ~ '^(DECLARE export_rows|FETCH)'`,
  );
  return row.n;
}

describe('bulk export', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let auditor: TestUser;
  let reviewer: TestUser;
  let admin: TestUser;
  let recordsReader: TestApiClient;
  let mirror: TestApiClient;
  let screener: TestApiClient;
  const residentId = newResidentId();
  const orgCode = newUscc();
  let caseId: string;
  let personId: string;
  let orgId: string;

  const get = (who: { auth: Record<string, string> }, path: string) =>
    request(t.http).get(`/api/v1/exports/${path}`).set(who.auth).buffer(true).parse(binary);

  beforeAll(async () => {
    t = await createTestApp({ env: { EXPORT_MAX_CONCURRENT: '2' } });
    [recorder, approver, auditor, reviewer, admin] = await Promise.all(
      [Role.RECORDER, Role.APPROVER, Role.AUDITOR, Role.REVIEWER, Role.ADMIN].map((r) => newUser(t, [r])),
    );
    [recordsReader, mirror, screener] = await Promise.all(
      [Scope.RECORDS_READ, Scope.CHANGES_READ, Scope.CHECKS_RUN].map((s) => newApiClient(t, [s])),
    );
    const today = todayIn();
    const fx = registryFixtures(t, recorder, approver, today);
    const recorded = await fx.record(fx.person('张某某', '某某大学', residentId), [
      {
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: addDays(today, -30),
        endDate: addDays(today, 700),
        domains: ['PROJECT_FUNDING'],
      },
    ]);
    caseId = recorded.id;
    personId = recorded.subjects[0].subjectId;
    orgId = await newSubject(t, recorder, {
      kind: 'LEGAL_PERSON',
      name: '=HYPERLINK("http://x","某公司")',
      formerNames: ['Old Name, Ltd', '旧名'],
      identifiers: [{ type: 'USCC', value: orgCode }],
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const tables = {
    subjects: 'subject',
    cases: 'misconduct_case',
    measures: 'measure',
    entries: 'listing',
  } as const;

  describe.each(['csv', 'xlsx', 'ndjson'])('as %s', (format) => {
    it.each(Object.keys(tables) as (keyof typeof tables)[])(
      '%s: every record, parsed back, with the snapshot headers',
      async (dataset) => {
        const res = await get(auditor, `${dataset}?format=${format}`).expect(200);
        expect(res.headers['content-disposition']).toMatch(
          new RegExp(`^attachment; filename="registry-${dataset}-\\d{8}T\\d{6}Z\\.${format}"$`),
        );
        expect(res.headers['cache-control']).toBe('no-store');
        expect(Number.isNaN(Date.parse(res.headers['x-export-as-of']))).toBe(false);
        expect(res.headers['x-export-change-cursor']).toMatch(/^\d+$/);
        const rows = await rowsOf(format, res.body as Buffer);
        const ids: { id: string }[] = await t.dataSource.query(
          `SELECT id FROM ${tables[dataset]} ORDER BY id`,
        );
        expect(rows.map((r) => r.id).sort()).toEqual(ids.map((r) => r.id));
        // Masked: the full number is in no cell (xlsx is a deflated zip: only its parsed rows can tell),
        // nor anywhere in a text file.
        expect(JSON.stringify(rows)).not.toContain(residentId.slice(6, 14));
        if (format !== 'xlsx') {
          expect((res.body as Buffer).toString('utf8')).not.toContain(residentId.slice(6, 14));
        }
      },
    );
  });

  it('shapes rows: masked identifiers, joined lists, a formula-safe CSV cell', async () => {
    const csv = await rowsOf('csv', (await get(recorder, 'subjects?format=csv').expect(200)).body);
    const org = csv.find((r) => r.id === orgId)!;
    expect(org.name).toBe(`'=HYPERLINK("http://x","某公司")`);
    expect(org.formerNames).toBe('Old Name, Ltd; 旧名');
    expect(org.identifiers).toBe(`USCC:${orgCode}`);
    const person = csv.find((r) => r.id === personId)!;
    expect(person.identifiers).toBe(`RESIDENT_ID:${residentId.slice(0, 6)}********${residentId.slice(14)}`);
    expect(person).not.toHaveProperty('identifierValues');

    const ndjson = await rowsOf('ndjson', (await get(recorder, 'subjects?format=ndjson').expect(200)).body);
    expect(ndjson.find((r) => r.id === personId)).toEqual({
      id: personId,
      kind: 'NATURAL_PERSON',
      name: '张某某',
      organisation: '某某大学',
      version: 1,
      formerNames: [],
      aliases: [],
      identifiers: [
        {
          type: 'RESIDENT_ID',
          issuingCountry: null,
          masked: `${residentId.slice(0, 6)}********${residentId.slice(14)}`,
        },
      ],
    });

    const cases = await rowsOf('csv', (await get(auditor, 'cases').expect(200)).body);
    const [measure] = await t.dataSource.query('SELECT id FROM measure WHERE case_id = $1', [caseId]);
    expect(cases.find((r) => r.id === caseId)).toMatchObject({
      status: 'FINAL',
      severity: 'SEVERE',
      misconductTypes: 'FABRICATION_FALSIFICATION',
      subjects: `${personId}:PROJECT_LEAD`,
      measureIds: measure.id,
    });
  });

  it('gives full identifiers to revealing roles and changes:read, with a purpose, audited', async () => {
    const startedBefore = await auditCount(t, 'EXPORT_STARTED');
    for (const who of [recorder, approver, admin, mirror]) {
      const res = await get(
        who,
        'subjects?format=csv&identifiers=full&purpose=annual%20reconciliation',
      ).expect(200);
      const person = (await rowsOf('csv', res.body)).find((r) => r.id === personId)!;
      expect(person.identifierValues).toBe(`RESIDENT_ID:${residentId}`);
      expect(person.identifiers).toBe(`RESIDENT_ID:${residentId.slice(0, 6)}********${residentId.slice(14)}`);
    }
    const xlsx = await get(recorder, 'subjects?format=xlsx&identifiers=full&purpose=p').expect(200);
    expect((await rowsOf('xlsx', xlsx.body)).find((r) => r.id === orgId)!.identifierValues).toBe(
      `USCC:${orgCode}`,
    );
    const ndjson = await get(
      mirror,
      'subjects?format=ndjson&identifiers=full&purpose=mirror%20baseline',
    ).expect(200);
    const record = (await rowsOf('ndjson', ndjson.body)).find((r) => r.id === personId)!;
    expect(record.identifiers).toEqual([expect.objectContaining({ type: 'RESIDENT_ID', value: residentId })]);
    expect(JSON.stringify(record)).not.toContain('ciphertext');
    expect(await auditCount(t, 'EXPORT_STARTED')).toBe(startedBefore + 6);

    const [started] = await t.dataSource.query(
      `SELECT actor_id, purpose, target_id, changes FROM audit_entry WHERE action = 'EXPORT_STARTED'
       AND actor_id = $1 ORDER BY seq DESC LIMIT 1`,
      [mirror.id],
    );
    expect(started).toMatchObject({
      purpose: 'mirror baseline',
      target_id: 'subjects',
      changes: { dataset: 'subjects', format: 'ndjson', identifiers: 'full' },
    });
    await eventually(async () => {
      const rows = await t.dataSource.query(
        `SELECT changes FROM audit_entry WHERE action = 'EXPORT_FINISHED' AND actor_id = $1`,
        [mirror.id],
      );
      return rows.some(
        (r: { changes: Row }) =>
          r.changes.format === 'ndjson' && r.changes.complete === true && r.changes.rows === 2,
      );
    }, 'EXPORT_FINISHED with the row count');
  });

  it('audits masked exports by people too', async () => {
    const before = await auditCount(t, 'EXPORT_STARTED');
    await get(auditor, 'entries?format=ndjson&purpose=sample').expect(200);
    expect(await auditCount(t, 'EXPORT_STARTED')).toBe(before + 1);
    const [entry] = await t.dataSource.query(
      `SELECT actor_id, purpose, changes FROM audit_entry WHERE action = 'EXPORT_STARTED' ORDER BY seq DESC LIMIT 1`,
    );
    expect(entry).toMatchObject({
      actor_id: auditor.id,
      purpose: 'sample',
      changes: { dataset: 'entries', identifiers: 'masked' },
    });
  });

  it('refuses full identifiers without a purpose, to other roles and scopes, and for other datasets', async () => {
    const before = await auditCount(t, 'EXPORT_STARTED');
    const noPurpose = await request(t.http)
      .get('/api/v1/exports/subjects?identifiers=full&purpose=%20%20')
      .set(recorder.auth)
      .expect(400);
    expect(noPurpose.body).toMatchObject({
      code: 'EXPORT_PURPOSE_REQUIRED',
      details: [{ field: 'purpose' }],
    });
    for (const who of [auditor, recordsReader]) {
      const res = await request(t.http)
        .get('/api/v1/exports/subjects?identifiers=full&purpose=x')
        .set(who.auth)
        .expect(403);
      expect(res.body.code).toBe('EXPORT_IDENTIFIERS_FORBIDDEN');
    }
    const cases = await request(t.http)
      .get('/api/v1/exports/cases?identifiers=full&purpose=x')
      .set(recorder.auth)
      .expect(400);
    expect(cases.body.code).toBe('EXPORT_IDENTIFIERS_NOT_APPLICABLE');
    expect(await auditCount(t, 'EXPORT_STARTED')).toBe(before);
  });

  it('refuses REVIEWER and checks:run, and an unknown dataset or format', async () => {
    for (const who of [reviewer, screener]) {
      const res = await request(t.http).get('/api/v1/exports/subjects').set(who.auth).expect(403);
      expect(res.body.code).toBe('ACCESS_DENIED');
    }
    const dataset = await request(t.http).get('/api/v1/exports/users').set(auditor.auth).expect(400);
    expect(dataset.body.details[0].field).toBe('dataset');
    const format = await request(t.http)
      .get('/api/v1/exports/cases?format=pdf')
      .set(auditor.auth)
      .expect(400);
    expect(format.body.details[0].field).toBe('format');
  });

  describe('at scale', () => {
    let base: string;
    const service = () => t.app.get(ExportsService);
    const SEEDED = 100_000;

    beforeAll(async () => {
      base = await listen(t);
      await seedSubjects(t, SEEDED);
    }, 120_000);

    const open = (who: { auth: Record<string, string> }, path: string) => openPaused(base, who, path);

    const rest = (res: http.IncomingMessage) =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
        res.resume();
      });

    const openTransactions = () => exportTransactions(t);

    it('holds only what was committed when it started, while writes go on', async () => {
      const [{ n: before }] = await t.dataSource.query('SELECT count(*)::int AS n FROM subject');
      const [last] = await t.dataSource.query('SELECT id, name FROM subject ORDER BY ctid DESC LIMIT 1');
      const { res, first } = await open(auditor, 'subjects?format=ndjson');
      // Written through other connections while the export waits for its reader.
      const created = await newSubject(t, recorder, { name: '导出后新增' });
      await t.dataSource.query(
        `INSERT INTO subject (id, kind, name, name_key) VALUES ('ffffffff-ffff-4fff-bfff-ffffffffffff', 'NATURAL_PERSON', '最后一个', 'zhyg')`,
      );
      await t.dataSource.query(`UPDATE subject SET name = '改名' WHERE id = $1`, [last.id]);
      const body = Buffer.concat([first, await rest(res)]);
      const rows = await rowsOf('ndjson', body);
      // The reader had far from everything when the writes were made: they were read afterwards.
      expect(first.length).toBeLessThan(body.length / 10);
      expect(rows).toHaveLength(before);
      const ids = new Set(rows.map((r) => r.id));
      expect(ids.has(created)).toBe(false);
      expect(ids.has('ffffffff-ffff-4fff-bfff-ffffffffffff')).toBe(false);
      expect(rows.find((r) => r.id === last.id)).toMatchObject({ name: last.name });
    }, 120_000);

    it('answers 503 EXPORT_CAPACITY_REACHED beyond EXPORT_MAX_CONCURRENT, and frees a slot when a reader goes away', async () => {
      const a = await open(auditor, 'subjects?format=csv');
      const b = await open(recorder, 'subjects?format=xlsx');
      try {
        expect(service().active).toBe(2);
        const refused = await request(t.http).get('/api/v1/exports/cases').set(auditor.auth).expect(503);
        expect(refused.body.code).toBe('EXPORT_CAPACITY_REACHED');
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
        expect(await openTransactions()).toBe(2);
      } finally {
        a.res.destroy();
        b.res.destroy();
      }
      await eventually(async () => service().active === 0, 'both slots freed');
      await eventually(async () => (await openTransactions()) === 0, 'both transactions ended');
      await get(auditor, 'cases').expect(200);
      let abandoned: { changes: { rows: number; format: string } }[] = [];
      await eventually(async () => {
        abandoned = await t.dataSource.query(
          `SELECT changes FROM audit_entry WHERE action = 'EXPORT_FINISHED' AND changes->>'complete' = 'false'`,
        );
        return abandoned.length === 2;
      }, 'the abandoned exports recorded as incomplete');
      // Backpressure: while its reader paused, each export read little more than what the buffers hold.
      process.stdout.write(
        `abandoned exports had read: ${abandoned.map((a) => `${a.changes.format} ${a.changes.rows}`).join(', ')} of ${SEEDED}+ rows\n`,
      );
      for (const { changes } of abandoned) expect(changes.rows).toBeLessThan(SEEDED / 2);
    }, 120_000);

    it.each(['ndjson', 'xlsx'])(
      `streams %s of over ${SEEDED} subjects in bounded memory`,
      async (format) => {
        global.gc?.();
        const start = process.memoryUsage().rss;
        let peak = start;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
        let bytes = 0;
        let lines = 0;
        try {
          await new Promise<void>((resolve, reject) => {
            http
              .get(
                `${base}/api/v1/exports/subjects?format=${format}&identifiers=full&purpose=load`,
                { headers: recorder.auth },
                (res) => {
                  expect(res.statusCode).toBe(200);
                  res.on('data', (c: Buffer) => {
                    bytes += c.length;
                    if (format === 'ndjson') for (const b of c) if (b === 10) lines++;
                  });
                  res.on('end', resolve);
                  res.on('error', reject);
                },
              )
              .on('error', reject);
          });
        } finally {
          clearInterval(sampler);
        }
        const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM subject');
        if (format === 'ndjson') expect(lines).toBe(n);
        await eventually(async () => {
          const rows = await t.dataSource.query(
            `SELECT 1 FROM audit_entry WHERE action = 'EXPORT_FINISHED'
             AND changes->>'format' = $1 AND (changes->>'rows')::int = $2 AND changes->>'complete' = 'true'`,
            [format, n],
          );
          return rows.length === 1;
        }, 'the whole export recorded');
        const grownMb = (peak - start) / 2 ** 20;
        process.stdout.write(
          `export ${format}: ${n} subjects, ${(bytes / 2 ** 20).toFixed(1)} MiB sent; RSS ${(start / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${grownMb.toFixed(0)})\n`,
        );
        expect(bytes).toBeGreaterThan(n * 50);
        // A coarse bound: RSS also moves with V8's heap sizing (client and server share this process;
        // +1 to +131 MB seen at 100,000 rows). The paused-reader test above is the firm evidence of streaming.
        expect(grownMb).toBeLessThan(200);
      },
      300_000,
    );
  });
});

describe('bulk export, a reader that stalls', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { EXPORT_IDLE_TIMEOUT_MS: '500' } });
    await seedSubjects(t, 100_000);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('is ended after EXPORT_IDLE_TIMEOUT_MS without a read: connection freed, recorded incomplete', async () => {
    const base = await listen(t);
    const auditor = await newUser(t, [Role.AUDITOR]);
    const { res } = await openPaused(base, auditor, 'subjects?format=ndjson');
    try {
      await eventually(async () => (await exportTransactions(t)) === 1, 'the export reading');
      await eventually(async () => (await exportTransactions(t)) === 0, 'the transaction ended');
      // Still paused: nothing but the idle timeout ended it.
      expect(res.isPaused()).toBe(true);
    } finally {
      res.destroy();
    }
    expect(t.app.get(ExportsService).active).toBe(0);
    let audited: { action: string; changes: Record<string, unknown> }[] = [];
    await eventually(async () => {
      audited = await t.dataSource.query(
        `SELECT action, changes FROM audit_entry WHERE action LIKE 'EXPORT_%' ORDER BY seq`,
      );
      return audited.length === 2;
    }, 'EXPORT_FINISHED').catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(audited)}`);
    });
    expect(audited[1]).toMatchObject({ action: 'EXPORT_FINISHED', changes: { complete: false } });
  }, 60_000);
});
