import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const COMMITTED = join(ROOT, 'console', 'src', 'api', 'gen');

/** Every file under a folder, by its path relative to the folder, with its text. */
async function filesUnder(folder: string): Promise<Record<string, string>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    files[relative(folder, path)] = await readFile(path, 'utf8');
  }
  return files;
}

/**
 * The console calls the API only through the client generated from console/openapi.json (which
 * test/e2e/openapi-document.e2e-spec.ts holds equal to the served document). Generated again, it must
 * be the committed one: `npm run console:api` brings both up to date.
 */
describe('the console API client (console/src/api/gen)', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'registry-console-api-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('is what console/openapi.json generates', async () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'console-api.mjs'), scratch], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const [generated, committed] = await Promise.all([filesUnder(scratch), filesUnder(COMMITTED)]);
    expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
    for (const [path, text] of Object.entries(generated)) {
      expect(`${path}:\n${committed[path]}`).toBe(`${path}:\n${text}`);
    }
  }, 30_000);
});
