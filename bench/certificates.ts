/**
 * Receipt and certificate benchmark, no database: the cost of signing a check's receipt (RFC 8785
 * canonical form + Ed25519) for a one-applicant check and a 10,000-applicant one, of verifying it, and
 * of making one certificate PDF (after the first, which parses the CJK font once). docs/certificates.md
 * reports a run.
 *
 * Run: npm run bench:certificates   (BENCH_SIGN_RUNS, BENCH_PDF_RUNS to change the counts)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { validateEnv } from '../src/config/env';
import { certificatePdf } from '../src/receipts/certificate-pdf';
import {
  applicantPart,
  CHECK_RECEIPT_FORMAT,
  CheckReceipt,
  ReceiptApplicant,
  receiptApplicant,
} from '../src/receipts/check-receipt';
import { ReceiptKeys } from '../src/receipts/receipt-keys';

const runs = (name: string, fallback: number) =>
  Math.max(1, Number(process.env[name] ?? fallback) || fallback);
const out = (line = '') => process.stdout.write(`${line}\n`);

const BAN = {
  kind: 'MEASURE',
  recordId: 'm1',
  subjectId: 's1',
  subjectName: '张三丰',
  match: 'IDENTIFIER',
  case: {
    decisionNumber: '国科发监〔2025〕12号',
    authority: '科学技术部',
    decisionDate: '2025-03-01',
    misconductTypes: ['PLAGIARISM'],
    severity: 'SEVERE',
  },
  measureType: 'BAN_FUNDED_ACTIVITY',
  domain: 'PROJECT_FUNDING',
  period: { from: '2025-03-01', to: '2030-02-28', lifetime: false },
  effect: 'BLOCK',
  underObjection: false,
  reason: 'Barred from funded activity.',
};

/** An applicant's entry as ScreeningService.check makes it. */
function applicant(index: number, blocked: boolean): ReceiptApplicant {
  return receiptApplicant(
    {
      index,
      ref: `APP-${index}`,
      verdict: blocked ? 'BLOCK' : 'CLEAR',
      underObjection: false,
      evidence: blocked ? [BAN] : [],
    },
    {
      kind: 'NATURAL_PERSON',
      name: '张三丰',
      organisation: '某某大学材料科学与工程学院',
      identifier: { type: 'RESIDENT_ID', issuingCountry: null, masked: '110105********002X' },
      inputHash: randomBytes(32),
    },
  );
}

function receipt(applicants: number): CheckReceipt {
  return {
    format: CHECK_RECEIPT_FORMAT,
    id: '0b8f4f7e-6d2a-4c1e-9a53-2f7d1c9e4b10',
    part: null,
    issuer: { name: '科研诚信记录登记系统', nameEn: 'Research Integrity Registry' },
    issuedAt: new Date().toISOString(),
    purpose: '2027年度省重点研发计划项目立项资格审查',
    reference: 'CALL-2027-01',
    domain: { code: 'PROJECT_FUNDING', label: '科研计划项目补助/立项' },
    asOf: '2026-12-03',
    knownAt: new Date().toISOString(),
    lookbackYears: 3,
    ruleVersion: 4,
    counts: { BLOCK: 0, REVIEW: 0, CLEAR: applicants, ERROR: 0 },
    // One in fifty blocked, as the screening benchmark's batches have about that share of hits.
    applicants: Array.from({ length: applicants }, (_, i) => applicant(i, i % 50 === 0)),
    answerHash: randomBytes(32).toString('hex'),
  };
}

function time(count: number, fn: () => unknown): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < count; i++) fn();
  return (performance.now() - start) / count;
}

async function main() {
  const keys = new ReceiptKeys(
    { receiptSigningKey: { kid: 'bench', seed: randomBytes(32) } },
    validateEnv({}),
  );
  out(
    `# receipts and certificates (${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version})`,
  );
  out();
  out('| what | per operation |');
  out('| --- | --- |');
  for (const [label, size, count] of [
    ['sign a 1-applicant receipt', 1, runs('BENCH_SIGN_RUNS', 2000)],
    ['sign a 10,000-applicant receipt', 10_000, Math.max(1, Math.floor(runs('BENCH_SIGN_RUNS', 2000) / 200))],
  ] as const) {
    const document = receipt(size);
    const ms = time(count, () => keys.sign(document));
    const signed = keys.sign(document);
    const verifyMs = time(count, () => keys.verify(signed));
    out(`| ${label} | ${(ms * 1000).toFixed(0)} µs/sign |`);
    out(`| verify it | ${(verifyMs * 1000).toFixed(0)} µs/verify |`);
  }

  const part = keys.sign(applicantPart(keys.sign(receipt(1)), 0));
  const first = performance.now();
  const pdf = await certificatePdf(part, { lang: 'zh', baseUrl: 'https://registry.example.org' });
  out(`| first certificate PDF (parses the font) | ${(performance.now() - first).toFixed(0)} ms |`);
  const count = runs('BENCH_PDF_RUNS', 30);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await certificatePdf(part, { lang: i % 2 ? 'en' : 'zh', baseUrl: 'https://registry.example.org' });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  out(
    `| certificate PDF (zh and en, ${count} runs) | ${mean.toFixed(0)} ms mean, ${times[Math.floor(count / 2)].toFixed(0)} ms median |`,
  );
  out(`| certificate PDF size (zh) | ${(pdf.length / 1024).toFixed(0)} KB |`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
