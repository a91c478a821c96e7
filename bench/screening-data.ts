/**
 * The synthetic registry of the screening benchmark: a deterministic function from a subject's number
 * to the subject, its identifier and its records, and a loader that streams them into PostgreSQL with
 * COPY. Identifiers are valid (check characters computed) and their look-up hashes are real: they are
 * made by the same PersonalDataProtector, with the same key, as the service under test uses.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MISCONDUCT_TYPES } from '../src/cases/cases.types';
import { AREAS, AUTHORITIES, COMPANY, generator, Generator } from '../src/demo/demo-data';
import {
  IdentifierType,
  orgCodeCheckChar,
  residentIdCheckChar,
  uscCheckChar,
} from '../src/identifiers/identifiers';
import { PersonalDataProtector } from '../src/personal-data/personal-data.protector';
import { addDays, addMonths } from '../src/rules/rules';
import { nameKey } from '../src/subjects/name-key';

/** What a subject's records make of a PROJECT_FUNDING check today, and how. Shares add up to 1. */
export const PROFILES = [
  { code: 'BLOCK', share: 0.04, expect: 'BLOCK', what: 'funding ban in force + active BLACK entry' },
  { code: 'REVIEW', share: 0.03, expect: 'REVIEW', what: 'warning + active WATCH entry' },
  { code: 'RED', share: 0.01, expect: 'CLEAR', what: 'active RED entry + an expired one' },
  { code: 'ENDED', share: 0.25, expect: 'CLEAR', what: 'funding ban that ended + criticism notice' },
  { code: 'EXPIRED_BLACK', share: 0.17, expect: 'CLEAR', what: 'warning + expired BLACK entry' },
  { code: 'OTHER_DOMAIN', share: 0.2, expect: 'CLEAR', what: 'award ban in force + admonition' },
  { code: 'MINOR', share: 0.3, expect: 'CLEAR', what: 'admonition + warning' },
] as const;
export type ProfileCode = (typeof PROFILES)[number]['code'];

/** Subjects recorded without an identifier (published decisions often give only name and unit). */
const NO_IDENTIFIER_SHARE = 0.03;
const ORGANISATION_SHARE = 0.1;
const ALIAS_SHARE = 0.05;

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const GIVEN = [
  ...'伟芳娜敏静磊洋勇艳杰涛明超秀英华志强海燕晓东军平刚桂兰玉萍红建国文辉丽霞鹏飞宇浩然子轩欣怡梓涵思远博文天佑嘉俊雨泽晨阳一鸣佳琪诗雨若曦婉婷梦瑶家豪俊杰昊天',
];
const PLACES = [
  '东海',
  '南山',
  '西岭',
  '北辰',
  '江城',
  '临川',
  '云溪',
  '青岚',
  '长亭',
  '明湖',
  '松江',
  '金陵',
  '岳麓',
  '珠江',
  '天府',
  '秦川',
  '燕山',
  '太湖',
  '洞庭',
  '黄河',
  '长白',
  '武夷',
  '峨眉',
  '泰山',
  '钱塘',
  '漓江',
  '鄱阳',
  '洱海',
  '昆仑',
  '祁连',
];
const UNITS = [
  '理工大学',
  '师范大学',
  '医科大学',
  '农业大学',
  '科技大学',
  '工业大学',
  '财经大学',
  '交通大学',
  '材料研究所',
  '生命科学研究院',
  '信息技术研究所',
  '能源研究院',
  '检测中心',
  '第一人民医院',
  '中心医院',
  '技术学院',
];
/** Areas no seeded subject has: resident IDs from here are valid but never in the registry. */
const ABSENT_AREAS = [
  '120101',
  '130102',
  '140105',
  '210102',
  '220102',
  '230102',
  '340102',
  '360102',
  '370102',
  '500101',
];
if (ABSENT_AREAS.some((area) => AREAS.includes(area))) throw new Error('ABSENT_AREAS overlaps AREAS');
const FUNDED = ['PROJECT_FUNDING', 'PLATFORM_CONSTRUCTION', 'HNTE_CERTIFICATION'];

/** A bijection of 32-bit integers with good mixing (lowbias32), for ids and seeds from a number. */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * A random-looking version-4 UUID that is a function of (tag, n): distinct n give distinct ids, since
 * the first 32 bits are a bijection of n. Random, like gen_random_uuid(), so index locality is realistic.
 */
export function benchUuid(tag: number, n: number): string {
  const a = mix32((n ^ Math.imul(tag, 0x9e3779b1)) >>> 0);
  const b = mix32(a + 1);
  const c = mix32(a + 2);
  const d = mix32(a + 3);
  const bh = hex8(b);
  const ch = hex8(((c & 0x3fffffff) | 0x80000000) >>> 0);
  return `${hex8(a)}-${bh.slice(0, 4)}-4${bh.slice(5, 8)}-${ch.slice(0, 4)}-${ch.slice(4)}${hex8(d).slice(0, 4)}${hex8(
    mix32(d),
  ).slice(0, 4)}`;
}

const ID = { subject: 1, case: 2, measure: 3, listing: 4 };

function personName(g: Generator): string {
  const given = g.next() < 0.7 ? g.pick(GIVEN) + g.pick(GIVEN) : g.pick(GIVEN);
  return g.pick(SURNAMES) + given;
}
const unitName = (g: Generator) => g.pick(PLACES) + g.pick(UNITS);
const companyName = (g: Generator) => g.pick(PLACES) + g.pick(GIVEN) + g.pick(GIVEN) + g.pick(COMPANY);

/** A valid 18-character resident ID, distinct for each n below 164 million. */
function residentIdOf(n: number, areas: readonly string[]): string {
  const seq = String(n % 1000).padStart(3, '0');
  const rest = Math.floor(n / 1000);
  const birth = addDays('1950-01-01', (Math.floor(rest / areas.length) * 37) % 16425);
  const first17 = `${areas[rest % areas.length]}${birth.replace(/-/g, '')}${seq}`;
  return first17 + residentIdCheckChar(first17);
}

/** A valid USCC, distinct for each n below 100 million; `office` 1 for seeded subjects, 2 for absent ones. */
function usccOf(n: number, office: 1 | 2): string {
  const body = String(n).padStart(8, '0');
  const first17 = `9${office}${AREAS[n % AREAS.length]}${body}${orgCodeCheckChar(body)}`;
  return first17 + uscCheckChar(first17);
}

export interface SeedIdentifier {
  type: IdentifierType;
  value: string;
}

export interface SeedSubject {
  n: number;
  id: string;
  kind: 'NATURAL_PERSON' | 'LEGAL_PERSON';
  name: string;
  organisation: string | null;
  identifier: SeedIdentifier | null;
  alias: string | null;
  profile: ProfileCode;
}

function profileOf(u: number): ProfileCode {
  let acc = 0;
  for (const p of PROFILES) {
    acc += p.share;
    if (u < acc) return p.code;
  }
  return 'MINOR';
}

/** Subject number n of the synthetic registry: the same answer every time. */
export function subjectOf(n: number): SeedSubject {
  const g = generator(mix32(n ^ 0x5eed5eed));
  const organisation = g.next() < ORGANISATION_SHARE;
  const withIdentifier = g.next() >= NO_IDENTIFIER_SHARE;
  const name = organisation ? companyName(g) : personName(g);
  const unit = organisation ? null : unitName(g);
  return {
    n,
    id: benchUuid(ID.subject, n),
    kind: organisation ? 'LEGAL_PERSON' : 'NATURAL_PERSON',
    name,
    organisation: unit,
    identifier: withIdentifier
      ? organisation
        ? { type: IdentifierType.USCC, value: usccOf(n, 1) }
        : { type: IdentifierType.RESIDENT_ID, value: residentIdOf(n, AREAS) }
      : null,
    alias: g.next() < ALIAS_SHARE ? (organisation ? companyName(g) : personName(g)) : null,
    profile: profileOf(g.next()),
  };
}

/** An applicant no seeded subject has the identifier of (the name may still match one by chance). */
export function absentApplicant(n: number): {
  name: string;
  organisation: string;
  identifier: SeedIdentifier;
} {
  const g = generator(mix32(n ^ 0xab5e17));
  if (g.next() < ORGANISATION_SHARE) {
    return {
      name: companyName(g),
      organisation: unitName(g),
      identifier: { type: 'USCC', value: usccOf(n, 2) },
    };
  }
  return {
    name: personName(g),
    organisation: unitName(g),
    identifier: { type: 'RESIDENT_ID', value: residentIdOf(n, ABSENT_AREAS) },
  };
}

// ---------------------------------------------------------------------------------------------------
// Rows

const N = '\\N';
const bytea = (b: Buffer) => `\\\\x${b.toString('hex')}`;
const arr = (items: readonly string[]) => `{${items.join(',')}}`;
const line = (cells: (string | number | boolean | null)[]) =>
  cells.map((c) => (c === null ? N : String(c))).join('\t') + '\n';
const at = (date: string, time = '10:00:00') => `${date} ${time}+08`;

interface Lines {
  subject: string[];
  subject_name: string[];
  subject_identifier: string[];
  misconduct_case: string[];
  case_status_event: string[];
  case_subject: string[];
  measure: string[];
  listing: string[];
  listing_event: string[];
}

/** The columns each table is loaded with; the rest take their defaults. */
export const COPY_COLUMNS: Record<keyof Lines, string[]> = {
  subject: ['id', 'kind', 'name', 'name_key', 'organisation', 'organisation_key'],
  subject_name: ['subject_id', 'kind', 'name', 'name_key'],
  subject_identifier: ['subject_id', 'type', 'issuing_country', 'lookup_hash', 'ciphertext', 'masked'],
  misconduct_case: [
    'id',
    'status',
    'decision_number',
    'authority',
    'decision_date',
    'misconduct_types',
    'severity',
    'source',
  ],
  case_status_event: ['case_id', 'status', 'recorded_at', 'decision_date'],
  case_subject: ['case_id', 'subject_id', 'role'],
  measure: ['id', 'case_id', 'subject_id', 'type', 'start_date', 'end_date', 'lifetime', 'domains'],
  listing: [
    'id',
    'subject_id',
    'list_type',
    'case_id',
    'designation_document',
    'effective_from',
    'effective_to',
    'status',
    'proposed_by',
    'proposed_at',
    'decided_by',
    'decided_at',
    'under_objection',
    'terminated_from',
    'publicity_from',
    'publicity_to',
  ],
  listing_event: ['listing_id', 'status', 'recorded_at', 'effective_date', 'effective_from', 'effective_to'],
};

const emptyLines = (): Lines => ({
  subject: [],
  subject_name: [],
  subject_identifier: [],
  misconduct_case: [],
  case_status_event: [],
  case_subject: [],
  measure: [],
  listing: [],
  listing_event: [],
});

/** Appends subject n and everything recorded about it, dated relative to `today` (YYYY-MM-DD). */
function addSubject(out: Lines, s: SeedSubject, today: string, protector: PersonalDataProtector): void {
  out.subject.push(
    line([
      s.id,
      s.kind,
      s.name,
      nameKey(s.name),
      s.organisation,
      s.organisation ? nameKey(s.organisation) : null,
    ]),
  );
  if (s.alias) out.subject_name.push(line([s.id, 'FORMER', s.alias, nameKey(s.alias)]));
  if (s.identifier) {
    const p = protector.protect(s.identifier.type, s.identifier.value);
    out.subject_identifier.push(
      line([s.id, s.identifier.type, '', bytea(p.hash), bytea(p.ciphertext), p.masked]),
    );
  }

  const g = generator(mix32(s.n ^ 0x7ecd));
  const caseId = benchUuid(ID.case, s.n);
  const measureId = (k: number) => benchUuid(ID.measure, s.n * 2 + k);
  const listingId = (k: number) => benchUuid(ID.listing, s.n * 2 + k);
  const measure = (k: number, type: string, from: string | null, to: string | null, domains: string[] = []) =>
    out.measure.push(line([measureId(k), caseId, s.id, type, from, to, false, arr(domains)]));
  const listing = (
    k: number,
    listType: 'BLACK' | 'WATCH' | 'RED',
    from: string,
    to: string | null,
    status: 'ACTIVE' | 'EXPIRED',
  ) => {
    const id = listingId(k);
    const proposed = addDays(from, -14);
    out.listing.push(
      line([
        id,
        s.id,
        listType,
        listType === 'RED' ? null : caseId,
        listType === 'RED' ? `守信激励对象名单〔${from.slice(0, 4)}〕${s.n}-${k}号` : null,
        from,
        to,
        status,
        'bench.recorder',
        at(proposed),
        'bench.approver',
        at(from),
        listType === 'BLACK' && status === 'ACTIVE' && g.next() < 0.05,
        status === 'EXPIRED' && to ? addDays(to, 1) : null,
        listType === 'RED' ? proposed : null,
        listType === 'RED' ? addDays(proposed, 13) : null,
      ]),
    );
    out.listing_event.push(
      line([id, 'PROPOSED', at(proposed), null, from, to]),
      line([id, 'ACTIVE', at(from), null, null, null]),
    );
    if (status === 'EXPIRED' && to)
      out.listing_event.push(
        line([id, 'EXPIRED', at(addDays(to, 1), '00:05:00'), addDays(to, 1), null, null]),
      );
  };

  if (s.profile === 'RED') {
    const from = addDays(today, -g.int(30, 700));
    listing(0, 'RED', from, addDays(addMonths(from, 36), -1), 'ACTIVE');
    const old = addMonths(from, -48);
    listing(1, 'RED', old, addDays(addMonths(old, 36), -1), 'EXPIRED');
    return;
  }

  const recent = s.profile === 'BLOCK' || s.profile === 'REVIEW' || s.profile === 'OTHER_DOMAIN';
  const decided = recent ? addDays(today, -g.int(30, 900)) : addDays(today, -g.int(4 * 365, 12 * 365));
  const authority = g.pick(AUTHORITIES);
  out.misconduct_case.push(
    line([
      caseId,
      'FINAL',
      `${authority.prefix}〔${decided.slice(0, 4)}〕${s.n}号`,
      authority.name,
      decided,
      arr([g.pick(MISCONDUCT_TYPES)]),
      s.profile === 'BLOCK' ? 'SEVERE' : s.profile === 'MINOR' ? 'MINOR' : 'SERIOUS',
      g.pick(['RANDOM_INSPECTION', 'COMPLAINT_REPORT', 'AUDIT', 'REFERRAL', 'MEDIA']),
    ]),
  );
  out.case_status_event.push(line([caseId, 'FINAL', at(decided), decided]));
  out.case_subject.push(
    line([caseId, s.id, s.kind === 'LEGAL_PERSON' ? 'IMPLEMENTING_UNIT' : 'PROJECT_LEAD']),
  );

  switch (s.profile) {
    case 'BLOCK': {
      const end = addDays(today, g.int(30, 5 * 365));
      measure(0, 'BAN_FUNDED_ACTIVITY', decided, end, FUNDED);
      listing(0, 'BLACK', decided, end, 'ACTIVE');
      break;
    }
    case 'REVIEW':
      measure(0, 'WARNING', null, null);
      listing(0, 'WATCH', decided, addDays(today, g.int(30, 2 * 365)), 'ACTIVE');
      break;
    case 'ENDED':
      measure(0, 'BAN_FUNDED_ACTIVITY', decided, addDays(addMonths(decided, 36), -1), FUNDED);
      measure(1, 'CRITICISM_NOTICE', null, null);
      break;
    case 'EXPIRED_BLACK':
      measure(0, 'WARNING', null, null);
      listing(0, 'BLACK', decided, addDays(addMonths(decided, 24), -1), 'EXPIRED');
      break;
    case 'OTHER_DOMAIN':
      measure(0, 'BAN_AWARD_TITLE_APPLICATION', decided, addDays(today, g.int(30, 3 * 365)), [
        'AWARD',
        'TALENT_RECOMMENDATION',
      ]);
      measure(1, 'ADMONITION_TALK', null, null);
      break;
    case 'MINOR':
      measure(0, 'ADMONITION_TALK', null, null);
      measure(1, 'WARNING', null, null);
      break;
  }
}

// ---------------------------------------------------------------------------------------------------
// Loading

export interface SeedReport {
  rows: Record<string, number>;
  copyMs: number;
  indexMs: number;
  constraintMs: number;
  vacuumMs: number;
  totalMs: number;
}

const SEEDED_TABLES = Object.keys(COPY_COLUMNS);

/**
 * Loads subjects 0..count-1 with COPY. The seeded tables' secondary indexes and foreign keys are
 * dropped first and re-created afterwards from their own definitions (pg_get_indexdef,
 * pg_get_constraintdef), the usual bulk-load order, and the schema is checked to be exactly the
 * migrated one at the end. Then VACUUM ANALYZE, so the visibility map and statistics are those of a
 * settled registry rather than of a fresh load.
 */
export async function seedRegistry(
  url: string,
  count: number,
  today: string,
  protector: PersonalDataProtector,
  progress: (message: string) => void,
): Promise<SeedReport> {
  const started = Date.now();
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    const schemaBefore = await schemaOf(admin);
    const indexes: { name: string; def: string; table: string; clustered: boolean }[] = (
      await admin.query(
        `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def,
           t.relname AS table, i.indisclustered AS clustered
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
        [SEEDED_TABLES],
      )
    ).rows;
    const foreignKeys: { table: string; name: string; def: string }[] = (
      await admin.query(
        `SELECT c.conrelid::regclass::text AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE c.contype = 'f' AND t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace`,
        [SEEDED_TABLES],
      )
    ).rows;
    for (const fk of foreignKeys) await admin.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);
    for (const ix of indexes) await admin.query(`DROP INDEX ${ix.name}`);

    // One pass over the subjects feeds one COPY per table, each on its own connection.
    const clients = new Map<string, Client>();
    const streams = new Map<string, ReturnType<typeof copyFrom>>();
    const done: Promise<void>[] = [];
    for (const table of SEEDED_TABLES) {
      const client = new Client({ connectionString: url });
      await client.connect();
      clients.set(table, client);
      const stream = client.query(
        copyFrom(`COPY ${table} (${COPY_COLUMNS[table as keyof Lines].join(', ')}) FROM STDIN`),
      );
      streams.set(table, stream);
      done.push(finished(stream));
    }
    // Rejects as soon as any COPY fails, so a wait for 'drain' never outlives its stream.
    const failed = Promise.race(done.map((d) => d.then(() => new Promise<never>(() => undefined))));
    failed.catch(() => undefined);
    const rows: Record<string, number> = Object.fromEntries(SEEDED_TABLES.map((t) => [t, 0]));
    const copyStarted = Date.now();
    const CHUNK = 2000;
    try {
      for (let first = 0; first < count; first += CHUNK) {
        const out = emptyLines();
        for (let n = first; n < Math.min(count, first + CHUNK); n++)
          addSubject(out, subjectOf(n), today, protector);
        for (const table of SEEDED_TABLES) {
          const chunk = out[table as keyof Lines];
          if (chunk.length === 0) continue;
          rows[table] += chunk.length;
          const stream = streams.get(table)!;
          if (!stream.write(chunk.join(''))) await Promise.race([once(stream, 'drain'), failed]);
        }
        if ((first / CHUNK) % 50 === 49)
          progress(`  ${(first + CHUNK).toLocaleString('en-US')} subjects streamed`);
      }
      for (const stream of streams.values()) stream.end();
      await Promise.all(done);
    } finally {
      await Promise.all([...clients.values()].map((c) => c.end().catch(() => undefined)));
    }
    const copyMs = Date.now() - copyStarted;
    progress(`  COPY done in ${(copyMs / 1000).toFixed(1)} s; building ${indexes.length} indexes`);

    // Two index builds at a time (this machine has two cores), each with a generous sort memory.
    const indexStarted = Date.now();
    const builders = await Promise.all(
      [0, 1].map(async () => {
        const c = new Client({ connectionString: url });
        await c.connect();
        await c.query(`SET maintenance_work_mem = '512MB'`);
        return c;
      }),
    );
    const queue = [...indexes];
    await Promise.all(
      builders.map(async (c) => {
        for (let ix = queue.shift(); ix; ix = queue.shift()) await c.query(ix.def);
      }),
    );
    await Promise.all(builders.map((c) => c.end()));
    // A dropped index takes its table's CLUSTER mark with it; each subject's rows are already together.
    for (const ix of indexes.filter((i) => i.clustered))
      await admin.query(`ALTER TABLE ${ix.table} CLUSTER ON ${ix.name}`);
    const indexMs = Date.now() - indexStarted;

    const constraintStarted = Date.now();
    for (const fk of foreignKeys)
      await admin.query(`ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} ${fk.def}`);
    const constraintMs = Date.now() - constraintStarted;
    const schemaAfter = await schemaOf(admin);
    if (schemaAfter !== schemaBefore) throw new Error('the seeded schema differs from the migrated one');

    progress(
      `  indexes ${(indexMs / 1000).toFixed(1)} s, foreign keys ${(constraintMs / 1000).toFixed(1)} s; VACUUM ANALYZE`,
    );
    const vacuumStarted = Date.now();
    await admin.query('VACUUM (ANALYZE)');
    const vacuumMs = Date.now() - vacuumStarted;
    return { rows, copyMs, indexMs, constraintMs, vacuumMs, totalMs: Date.now() - started };
  } finally {
    await admin.end();
  }
}

/**
 * Every index and constraint definition of the public schema, and which index each table is clustered
 * on, to prove the load left it as migrated.
 */
async function schemaOf(client: Client): Promise<string> {
  const { rows } = await client.query(
    `SELECT def FROM (
       SELECT pg_get_indexdef(indexrelid) || CASE WHEN indisclustered THEN ' CLUSTERED' ELSE '' END AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relnamespace = 'public'::regnamespace
       UNION ALL
       SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
       WHERE connamespace = 'public'::regnamespace) d ORDER BY def`,
  );
  return rows.map((r: { def: string }) => r.def).join('\n');
}
