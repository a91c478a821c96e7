/**
 * The bare baseline of the screening benchmark: Fastify and pg with nothing else (no Nest, no auth, no
 * validation, no receipt, no audit). It answers the same request body as POST /api/v1/checks for one
 * applicant with one prepared statement: the indexed identifier look-up plus the subject's list
 * entries and measures, as JSON. Started by bench/screening.ts as a child process; listens on
 * 127.0.0.1:PORT and prints "ready" when it does.
 */
import { createHmac } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'pg';

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

interface Body {
  applicants: { name: string; identifier?: { type: string; value: string } }[];
}

async function main(): Promise<void> {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.POOL_SIZE ?? 10),
  });
  const key = Buffer.from(process.env.PII_HMAC_KEY ?? '', 'base64');
  const app = Fastify({ logger: false, bodyLimit: 4_194_304 });
  app.post<{ Body: Body }>('/check', async (request, reply) => {
    const identifier = request.body?.applicants?.[0]?.identifier;
    if (!identifier) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const hash = createHmac('sha256', key)
      .update(`${identifier.type}:${identifier.value.trim().toUpperCase()}`, 'utf8')
      .digest();
    const { rows } = await pool.query({ name: 'baseline_lookup', text: LOOKUP, values: [hash] });
    return { matched: rows.length > 0, subjects: rows };
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
