import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Runs a script of scripts/ with node, from `cwd`, with nothing of this shell's environment but PATH. */
function runScript(cwd: string, script: string, args: string[] = [], home = cwd) {
  const result = spawnSync(process.execPath, [join(cwd, 'scripts', script), ...args], {
    cwd,
    // HOME too: Node also looks for packages in ~/.node_modules.
    env: { PATH: process.env.PATH ?? '', HOME: home },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run build (scripts/build.mjs)', () => {
  let project: string;

  /** A project of one source file in a scratch folder, with or without the installed packages. */
  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'registry-build-'));
    await mkdir(join(project, 'scripts'));
    await mkdir(join(project, 'src'));
    await mkdir(join(project, 'migrations'));
    await copyFile(join(ROOT, 'scripts', 'build.mjs'), join(project, 'scripts', 'build.mjs'));
    await copyFile(join(ROOT, '.swcrc'), join(project, '.swcrc'));
    await writeFile(join(project, 'package.json'), '{ "name": "probe", "private": true }\n');
    await writeFile(join(project, 'src', 'main.ts'), 'export const answer: number = 42;\n');
    await writeFile(join(project, 'migrations', '1-Probe.ts'), 'export const probe: string = "p";\n');
  });

  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
  });

  const previousBuild = async () => {
    await mkdir(join(project, 'dist', 'src'), { recursive: true });
    await writeFile(join(project, 'dist', 'src', 'main.js'), '// the build in use\n');
    await writeFile(join(project, 'dist', 'src', 'cli.js'), '// the build in use\n');
    await writeFile(join(project, 'dist', 'stale.js'), '// left from an older build\n');
  };

  it('with swc installed, replaces dist/ with a fresh build', async () => {
    await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    await previousBuild();
    const run = runScript(project, 'build.mjs');
    expect(run.code).toBe(0);
    expect(existsSync(join(project, 'dist', 'stale.js'))).toBe(false);
    expect(await readFile(join(project, 'dist', 'src', 'main.js'), 'utf8')).toContain('42');
    expect(existsSync(join(project, 'dist', 'migrations', '1-Probe.js'))).toBe(true);
  });

  it('without swc (no development packages), keeps the build there is and says so', async () => {
    await previousBuild();
    const run = runScript(project, 'build.mjs');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/swc is not installed.*keeping the existing build in dist\//);
    expect(await readFile(join(project, 'dist', 'src', 'main.js'), 'utf8')).toBe('// the build in use\n');
    expect(existsSync(join(project, 'dist', 'stale.js'))).toBe(true);
  });

  it('without swc and without a build, fails and says what to do', async () => {
    const run = runScript(project, 'build.mjs');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/swc is not installed and dist\/ holds no build: run npm ci/);
    expect(existsSync(join(project, 'dist'))).toBe(false);
  });
});

describe('the Node.js floor', () => {
  const floor = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
  ).engines.node;

  it('is 20.19 (require(esm)), and .nvmrc, the README and the Dockerfile agree', () => {
    expect(floor).toBe('>=20.19.0');
    expect(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()).toBe('20.19');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('Node.js 20.19 or later');
    const images = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)/gm)];
    expect(images.length).toBeGreaterThan(0);
    for (const [, major] of images) expect(Number(major)).toBeGreaterThanOrEqual(20);
  });

  it.each([
    ['20.18.3', 1],
    ['18.20.8', 1],
    ['20.19.0', 0],
    ['v22.12.0', 0],
    [process.versions.node, 0],
  ])('scripts/check-node.mjs %s exits %d', (version, code) => {
    const run = runScript(ROOT, 'check-node.mjs', [version], tmpdir());
    expect(run.code).toBe(code);
    if (code) expect(run.stderr).toMatch(/older than 20\.19\.0.*Install Node\.js 20\.19\.0 or later/);
  });
});

describe('the Node.js flags of the service', () => {
  it('are the same for npm start and the container image', () => {
    const start = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start;
    const entrypoint = readFileSync(join(ROOT, 'docker-entrypoint.sh'), 'utf8');
    const service = /^exec (node .*dist\/src\/main\.js)$/m.exec(entrypoint)?.[1];
    expect(start).toMatch(/^node --max-semi-space-size=\d+ dist\/src\/main\.js$/);
    expect(service).toBe(start);
  });
});
