// Generates the console's typed API client (console/src/api/gen) from console/openapi.json with
// @hey-api/openapi-ts. `npm run console:api` runs it after refreshing the document; the unit test
// test/console-api.spec.ts runs it into a scratch folder to check the committed client is current.
// Usage: node scripts/console-api.mjs [output folder]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = process.argv[2] ?? join(root, 'console', 'src', 'api', 'gen');
const require = createRequire(join(root, 'package.json'));
const manifest = require.resolve('@hey-api/openapi-ts/package.json');
const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
const cli = join(dirname(manifest), typeof bin === 'string' ? bin : bin['openapi-ts']);

const result = spawnSync(
  process.execPath,
  [
    cli,
    '--input',
    join(root, 'console', 'openapi.json'),
    '--output',
    output,
    '--client',
    '@hey-api/client-fetch',
    '--no-log-file',
    '--silent',
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
