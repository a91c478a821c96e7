import { validateEnv } from '../../config/env';
import { Logger } from '@nestjs/common';
import { RequestContext } from '../../common/request-context';
import { Transactions } from '../../database/transactions';
import { CheckCreateDto, CheckResponseDto } from '../screening.dto';
import { ScreeningService } from '../screening.service';
import { JobRowInput } from './check-job-columns';
import { CheckJobRunner, HeldJob, STOPPED_ERROR } from './check-job-runner';
import { CheckJobResultRow, CheckJobsRepository, VerdictCounts } from './check-jobs.repository';

interface Saved {
  rows: CheckJobResultRow[];
  progress: { rowsDone: number; counts: VerdictCounts; checkId: string | null; done: boolean };
}

/** The runner over an in-memory repository and a screening that answers by name. */
function setUp(options: { checkDelayMs?: number } = {}) {
  const saved: Saved[] = [];
  const failed: { ids: string[]; error: string }[] = [];
  const checks: CheckCreateDto[] = [];
  const repository = {
    start: jest.fn(async () => true),
    saveChunk: jest.fn(
      async (_m: unknown, _id: string, rows: CheckJobResultRow[], progress: Saved['progress']) => {
        saved.push({ rows, progress: { ...progress, counts: { ...progress.counts } } });
        return true;
      },
    ),
    fail: jest.fn(async (ids: string[], error: string) => {
      failed.push({ ids, error });
      return ids;
    }),
    touch: jest.fn(async () => undefined),
    failAbandoned: jest.fn(async () => []),
  };
  const screening = {
    check: jest.fn(async (_ctx: RequestContext, dto: CheckCreateDto): Promise<CheckResponseDto> => {
      checks.push(dto);
      if (options.checkDelayMs) await new Promise((r) => setTimeout(r, options.checkDelayMs));
      return {
        id: `check-${checks.length}`,
        results: dto.applicants.map((a, index) => ({
          index,
          verdict: a.name.startsWith('barred') ? 'BLOCK' : 'CLEAR',
          underObjection: false,
          evidence: a.name.startsWith('barred') ? [{ reason: 'Barred.' }, { reason: 'Black-listed.' }] : [],
        })),
      } as CheckResponseDto;
    }),
  };
  const tx = { run: (work: (m: unknown) => Promise<unknown>) => work({}) };
  const runner = new CheckJobRunner(
    repository as unknown as CheckJobsRepository,
    screening as unknown as ScreeningService,
    tx as unknown as Transactions,
    validateEnv({}),
  );
  return { runner, repository, screening, saved, failed, checks };
}

const rows = (n: number, special: Record<number, JobRowInput> = {}): JobRowInput[] =>
  Array.from(
    { length: n },
    (_, i) => special[i] ?? { cells: [String(i)], applicant: { name: `applicant ${i}` } },
  );

const job = (input: JobRowInput[]): HeldJob => ({
  id: 'job-1',
  ctx: { requestId: 'r1' },
  params: { domain: 'PROJECT_FUNDING', asOf: '2026-11-27', purpose: 'p' },
  rows: input,
});

/** Waits (bounded) until the condition holds. */
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
};

describe('CheckJobRunner', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('checks a job in chunks of 5,000, storing each chunk with its check id and the running counts', async () => {
    const { runner, saved, checks } = setUp();
    const input = rows(12_001, {
      3: { cells: ['3'], applicant: { name: 'barred 3' } },
      7000: { cells: ['7000'], error: { code: 'KIND_UNKNOWN', field: 'kind', message: 'no' } },
    });
    runner.enqueue(job(input));
    await until(() => saved.at(-1)?.progress.done === true);

    expect(checks.map((c) => c.applicants.length)).toEqual([5000, 4999, 2001]);
    expect(checks[0]).toMatchObject({ domain: 'PROJECT_FUNDING', asOf: '2026-11-27', purpose: 'p' });
    expect(saved.map((s) => s.progress.rowsDone)).toEqual([5000, 10_000, 12_001]);
    expect(saved.map((s) => s.progress.done)).toEqual([false, false, true]);
    expect(saved.map((s) => s.progress.checkId)).toEqual(['check-1', 'check-2', 'check-3']);
    expect(saved[2].progress.counts).toEqual({ BLOCK: 1, REVIEW: 0, CLEAR: 11_999, ERROR: 1 });

    const all = saved.flatMap((s) => s.rows);
    expect(all.map((r) => r.position)).toEqual(Array.from({ length: 12_001 }, (_, i) => i));
    expect(all[3]).toMatchObject({
      verdict: 'BLOCK',
      reasons: 'Barred.; Black-listed.',
      underObjection: false,
    });
    expect(all[7000]).toMatchObject({
      verdict: 'ERROR',
      error: { code: 'KIND_UNKNOWN' },
      underObjection: null,
    });
  });

  it('stores a chunk of ERROR rows only without a check', async () => {
    const { runner, saved, checks } = setUp();
    runner.enqueue(job([{ cells: ['x'], error: { code: 'NAME_MISSING', field: 'name', message: 'empty' } }]));
    await until(() => saved.length === 1);
    expect(checks).toHaveLength(0);
    expect(saved[0].progress).toMatchObject({ checkId: null, done: true, counts: { ERROR: 1 } });
  });

  it('on shutdown finishes the chunk in hand, then marks the running and the queued jobs FAILED', async () => {
    const { runner, saved, failed } = setUp({ checkDelayMs: 20 });
    for (let i = 1; i <= 3; i++) runner.enqueue({ ...job(rows(10_000)), id: `job-${i}` });
    await new Promise((r) => setTimeout(r, 5));
    await runner.onModuleDestroy();
    // Two run at a time: each stored its first chunk and stopped.
    expect(saved.map((s) => s.progress.rowsDone)).toEqual([5000, 5000]);
    expect(failed).toEqual(
      expect.arrayContaining([
        { ids: ['job-1'], error: STOPPED_ERROR },
        { ids: ['job-2'], error: STOPPED_ERROR },
        { ids: ['job-3'], error: STOPPED_ERROR },
      ]),
    );
  });

  it('stops working on a job marked FAILED elsewhere', async () => {
    const { runner, repository, checks, failed } = setUp();
    repository.saveChunk.mockResolvedValueOnce(false);
    runner.enqueue(job(rows(10_000)));
    await until(() => repository.saveChunk.mock.calls.length === 1);
    await runner.onModuleDestroy();
    expect(checks).toHaveLength(1);
    expect(failed.filter((f) => f.ids.length > 0)).toEqual([]);
  });

  it('refuses new jobs beyond what it holds', async () => {
    const { runner } = setUp({ checkDelayMs: 20 });
    expect(() => runner.assertRoom()).not.toThrow();
    for (let i = 0; i < CheckJobRunner.MAX_HELD; i++) runner.enqueue({ ...job(rows(1)), id: `job-${i}` });
    expect(() => runner.assertRoom()).toThrow(expect.objectContaining({ code: 'CHECK_JOB_BUSY' }));
    await runner.onModuleDestroy();
  });
});
