/**
 * The bare baselines of the screening benchmark: Fastify and pg with nothing else (no Nest, no auth,
 * no validation). It answers the same request body as POST /api/v1/checks for one applicant with one
 * prepared statement: the indexed identifier look-up plus the subject's list entries and measures, as
 * JSON. Started by bench/screening.ts as a child process; listens on 127.0.0.1:PORT and prints
 * "ready" when it does.
 *
 * GUARANTEES=1 makes it pay what the service pays before it answers: the answer signed (Ed25519) and
 * hashed, a receipt row and an audit row inserted by one statement and committed durably, with
 * concurrent requests group-committed by the service's own Batcher with the service's settings. Its
 * tables (`baseline_receipt`, `baseline_audit`) are created here and are not the registry's.
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'pg';
import { Batcher, RECEIPT_BATCH } from '../src/common/batcher';

const LOOKUP = `
  SELECT i.subject_id AS "subjectId", s.name AS "subjectName", i.type, i.masked,
    (SELECT coalesce(json_agg(json_build_object('id', l.id, 'listType', l.list_type, 'status', l.status,
       'effectiveFrom', l.effective_from, 'effectiveTo', l.effective_to, 'underObjection', l.under_objection)), '[]')
     FROM listing l WHERE l.subject_id = i.subject_id AND l.status <> 'REJECTED') AS listings,
    (SELECT coalesce(json_agg(json_build_object('id', m.id, 'type', m.type, 'startDate', m.start_date,
       'endDate', m.end_date, 'lifetime', m.lifetime, 'domains', m.domains)), '[]')
     FROM measure m WHERE m.subject_id = i.subject_id) AS measures
  FROM subject_identifier i JOIN subject s ON s.id = i.subject_id
  WHERE i.lookup_hash = $1`;

const TABLES = `
  CREATE TABLE IF NOT EXISTS baseline_receipt (id uuid PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
    purpose text NOT NULL, answer jsonb NOT NULL, answer_hash bytea NOT NULL, signature text NOT NULL);
  CREATE TABLE IF NOT EXISTS baseline_audit (seq bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL, target_id uuid NOT NULL, changes jsonb NOT NULL)`;

const STORE = `
  WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, purpose text, answer jsonb, hash text,
    signature text)),
  r AS (INSERT INTO baseline_receipt (id, purpose, answer, answer_hash, signature)
    SELECT id, purpose, answer, decode(hash, 'hex'), signature FROM x)
  INSERT INTO baseline_audit (action, target_id, changes)
    SELECT 'CHECK_RUN', id, jsonb_build_object('purpose', purpose, 'hash', hash) FROM x`;

interface Receipt {
  id: string;
  purpose: string;
  answer: unknown;
  hash: string;
  signature: string;
}

interface Body {
  purpose?: string;
  applicants: { name: string; identifier?: { type: string; value: string } }[];
}

async function main(): Promise<void> {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.POOL_SIZE ?? 10),
  });
  const key = Buffer.from(process.env.PII_HMAC_KEY ?? '', 'base64');
  const guarantees = process.env.GUARANTEES === '1';
  if (guarantees) await pool.query(TABLES);
  const { privateKey } = generateKeyPairSync('ed25519');
  // The service's receipt batcher settings.
  const receipts = new Batcher<Receipt>(async (items) => {
    await pool.query(STORE, [JSON.stringify(items)]);
  }, RECEIPT_BATCH);
  const app = Fastify({ logger: false, bodyLimit: 4_194_304 });
  app.post<{ Body: Body }>('/check', async (request, reply) => {
    const identifier = request.body?.applicants?.[0]?.identifier;
    if (!identifier) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const hash = createHmac('sha256', key)
      .update(`${identifier.type}:${identifier.value.trim().toUpperCase()}`, 'utf8')
      .digest();
    const { rows } = await pool.query({ name: 'baseline_lookup', text: LOOKUP, values: [hash] });
    const answer = { id: randomUUID(), matched: rows.length > 0, subjects: rows };
    if (!guarantees) return answer;
    const text = JSON.stringify(answer);
    await receipts.submit({
      id: answer.id,
      purpose: request.body.purpose ?? '',
      answer,
      hash: createHash('sha256').update(text).digest('hex'),
      signature: sign(null, Buffer.from(text), privateKey).toString('base64url'),
    });
    return answer;
  });
  const shutdown = () => void app.close().then(() => pool.end());
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
