// npm run build: compiles src/ and migrations/ into a fresh dist/ with swc, then the console (console/)
// into dist/console with Vite, which the service serves at `/`.
//
// `npm start`, `npm run cli` and the migration scripts build first. Where swc is not installed (an
// install without development packages, such as the production image), deleting dist/ would leave
// nothing to run, so the existing build is kept and the script says so; with no build to keep, it
// stops before touching anything. Messages go to standard error: `npm run -s cli -- … > file` stays clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// npm runs scripts from the project's root.
const root = process.cwd();
const dist = join(root, 'dist');

/** A package's command line script (its `bin` named `name`), or undefined when it cannot be resolved. */
function binOf(pkg, name) {
  const require = createRequire(join(root, 'package.json'));
  try {
    const manifest = require.resolve(`${pkg}/package.json`);
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    return join(dirname(manifest), typeof bin === 'string' ? bin : bin[name]);
  } catch {
    return undefined;
  }
}

/** The swc command line's script, or undefined when @swc/cli or @swc/core cannot be resolved from the project. */
function swcCli() {
  const require = createRequire(join(root, 'package.json'));
  try {
    require.resolve('@swc/core');
    const manifest = require.resolve('@swc/cli/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    return join(dirname(manifest), typeof bin === 'string' ? bin : bin.swc);
  } catch {
    return undefined;
  }
}

const say = (message) => process.stderr.write(`build: ${message}\n`);
const swc = swcCli();

if (!swc) {
  if (existsSync(join(dist, 'src', 'main.js')) && existsSync(join(dist, 'src', 'cli.js'))) {
    say('swc is not installed (no development packages here): keeping the existing build in dist/');
    process.exit(0);
  }
  say('swc is not installed and dist/ holds no build: run npm ci (development packages included) first');
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const result = spawnSync(
  process.execPath,
  [swc, 'src', 'migrations', '-d', 'dist', '--config-file', '.swcrc', '-q'],
  { cwd: root, stdio: 'inherit' },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// The console is built wherever Vite is installed and the project has one; the service runs without it
// (it serves the console only when dist/console exists).
const vite = binOf('vite', 'vite');
const consoleConfig = join(root, 'console', 'vite.config.mts');
if (vite && existsSync(consoleConfig)) {
  const built = spawnSync(process.execPath, [vite, 'build', '--config', consoleConfig], {
    cwd: root,
    // Its output goes to standard error too, so `npm run -s cli -- … > file` stays clean.
    stdio: ['ignore', 2, 2],
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
  compressConsole(join(dist, 'console'));
}

/**
 * Brotli and gzip copies of the console's text files beside them: the service serves those to browsers
 * that accept them (@fastify/static's preCompressed), a quarter of the bytes, with no work per request.
 */
function compressConsole(folder) {
  for (const entry of readdirSync(folder, { recursive: true })) {
    const file = join(folder, String(entry));
    if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
    const content = readFileSync(file);
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
    );
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  }
}
