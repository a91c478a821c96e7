// Stops with a clear message when Node.js is older than the floor in package.json's `engines`
// (20.19: the service loads NestJS, which ships as ES modules only, through require(esm)). npm itself
// only warns about `engines`, and an older Node fails later with ERR_REQUIRE_ESM. .ci/run calls it first.
// Usage: node scripts/check-node.mjs [version]   (the version defaults to the running Node's)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const manifest = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
const range = JSON.parse(readFileSync(manifest, 'utf8')).engines.node;
const floor = /^>=\s*v?(\d+\.\d+\.\d+)$/.exec(range)?.[1];
if (!floor) {
  process.stderr.write(
    `check-node: package.json engines.node must read ">=x.y.z", not ${JSON.stringify(range)}\n`,
  );
  process.exit(2);
}

const version = (process.argv[2] ?? process.versions.node).replace(/^v/, '');
const parts = (v) => v.split('.').map((n) => Number.parseInt(n, 10) || 0);
const [have, need] = [parts(version), parts(floor)];
const difference = [0, 1, 2].map((i) => have[i] - need[i]).find((d) => d !== 0) ?? 0;
if (difference < 0) {
  process.stderr.write(
    `Node.js ${version} is older than ${floor}, the oldest this project runs on (package.json engines; ` +
      `require(esm) arrived in 20.19). Install Node.js ${floor} or later (.nvmrc), then run again.\n`,
  );
  process.exit(1);
}
process.stdout.write(`Node.js ${version} meets the floor ${floor}\n`);
