/**
 * The console's first load, as an officer's laptop meets it: the built service (embedded PostgreSQL in
 * a scratch folder) serves the console, and headless Chromium opens it with an empty cache, then again
 * with a warm one, until the login form can be typed into. Prints the times and the bytes sent.
 * Run: npm run build && npm run bench:console   (BENCH_LOADS=20 for more rounds)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { launchChromium } from '../test/browser/chromium';
import { startService } from '../test/process';

const LOADS = Number(process.env.BENCH_LOADS ?? 10);

/** Milliseconds from navigation start until the login form is ready, and the bytes the page fetched. */
async function load(page: Page, url: string): Promise<{ ms: number; bytes: number }> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.getByTestId('login-username').waitFor();
  return page.evaluate(`(() => {
    const resources = performance.getEntriesByType('resource');
    const [nav] = performance.getEntriesByType('navigation');
    const bytes = resources.reduce((sum, r) => sum + r.transferSize, nav.transferSize);
    return { ms: performance.now(), bytes };
  })()`);
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'registry-console-bench-'));
  const service = startService({ DATA_DIR: dataDir });
  const browser = await launchChromium();
  try {
    const port = await service.listening;
    const url = `http://127.0.0.1:${port}/#/login`;
    const cold: { ms: number; bytes: number }[] = [];
    const warm: { ms: number; bytes: number }[] = [];
    for (let i = 0; i < LOADS; i++) {
      // A new context has an empty cache: the first visit of the day.
      const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'zh-CN' });
      const page = await context.newPage();
      cold.push(await load(page, url));
      // Away and back: a new document, the script from the cache.
      await page.goto('about:blank');
      warm.push(await load(page, url));
      await context.close();
    }
    for (const [name, runs] of [
      ['empty cache', cold],
      ['warm cache', warm],
    ] as const) {
      const ms = runs.map((r) => r.ms);
      process.stdout.write(
        `${name.padEnd(12)} login form ready: median ${quantile(ms, 0.5).toFixed(0)} ms, ` +
          `p90 ${quantile(ms, 0.9).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms; ` +
          `${(
            quantile(
              runs.map((r) => r.bytes),
              0.5,
            ) / 1024
          ).toFixed(0)} KiB over the wire (${LOADS} loads)\n`,
      );
    }
  } finally {
    await browser.close();
    service.child.kill('SIGTERM');
    await service.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
