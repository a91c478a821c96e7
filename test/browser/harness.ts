import { existsSync, mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { Role } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';
import { newUser, TestUser } from '../factories';
import { CHROMIUM, launchChromium } from './chromium';

/**
 * Browser tests drive the real console, served by the real service on 127.0.0.1, in Debian's
 * Chromium through playwright-core (no browser is ever downloaded). The console must have been built
 * (`npm run build`); CHROMIUM_PATH names another Chromium.
 */

const ROOT = join(__dirname, '..', '..');
/** The built console: dist/console, or CONSOLE_DIR (a build of its own, e.g. `vite build --outDir`). */
export const CONSOLE_DIR = process.env.CONSOLE_DIR ?? join(ROOT, 'dist', 'console');
/** Where screenshots go: docs/screenshots with SCREENSHOTS=1 (for the README), a scratch folder otherwise. */
export const SCREENSHOT_DIR = process.env.SCREENSHOTS
  ? join(ROOT, 'docs', 'screenshots')
  : join(ROOT, 'var', 'browser-screenshots');

export interface ConsoleRun {
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** A test app listening on a free port with the built console, and a headless Chromium. */
export async function startConsole(): Promise<ConsoleRun> {
  if (!existsSync(join(CONSOLE_DIR, 'index.html'))) {
    throw new Error(`${CONSOLE_DIR}/index.html is missing: run \`npm run build\` before the browser tests`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM_PATH)`,
    );
  }
  const t = await createTestApp({ consoleDir: CONSOLE_DIR });
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const browser = await launchChromium();
  return {
    t,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/**
 * The window's width: 1366 (a common office laptop), or BROWSER_WIDTH to look at the pages in a
 * narrower window (e.g. 1024, with SCREENSHOTS unset so docs/screenshots keep the usual size).
 */
const WIDTH = Number(process.env.BROWSER_WIDTH ?? 1366);

/** A fresh page at a laptop's size, in Chinese, on Beijing time. */
export async function newPage(run: ConsoleRun, locale = 'zh-CN'): Promise<Page> {
  const context = await run.browser.newContext({
    viewport: { width: WIDTH, height: 800 },
    locale,
    timezoneId: 'Asia/Shanghai',
    reducedMotion: 'reduce',
  });
  // Motion settles at once: axe judges colours as they end, not half-way through a fade-in. Durations of
  // zero rather than `none`, so that antd still sees its animations end and closes what it opened.
  await context.addInitScript({
    content: `document.addEventListener('DOMContentLoaded', () => {
      const style = document.createElement('style');
      style.textContent = '*, *::before, *::after { animation-duration: 0s !important; animation-delay: 0s !important; transition-duration: 0s !important; transition-delay: 0s !important; }';
      document.head.appendChild(style);
    });`,
  });
  return context.newPage();
}

/** What a describe block of console tests shares: the app and browser, its users, a fresh page a test. */
export interface ConsoleSuite<K extends string> {
  run: ConsoleRun;
  users: Record<K, TestUser>;
  page: Page;
}

/**
 * Registers the hooks of a describe block of console tests: the console and Chromium started once,
 * one user per entry of `roles`, and each test on a fresh page (closed after it). The returned object
 * is filled in by the hooks: read its members inside tests, not at describe time.
 */
export function consoleSuite<K extends string>(roles: Record<K, Role[]>): ConsoleSuite<K> {
  const suite = {} as ConsoleSuite<K>;
  beforeAll(async () => {
    suite.run = await startConsole();
    const entries = Object.entries(roles) as [K, Role[]][];
    const users = await Promise.all(entries.map(([, r]) => newUser(suite.run.t, r)));
    suite.users = Object.fromEntries(entries.map(([k], i) => [k, users[i]])) as Record<K, TestUser>;
  });
  afterAll(async () => {
    await suite.run?.close();
  });
  beforeEach(async () => {
    suite.page = await newPage(suite.run);
  });
  afterEach(async () => {
    await suite.page?.context().close();
  });
  return suite;
}

/**
 * Picks an option of the searchable antd Select with this test id by keyboard, as an officer may:
 * types `text` to filter the list (long lists render only the options in view) and takes the first
 * option left.
 */
export async function chooseByTyping(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
}

/** Logs in through the console's own form and waits for the menu. */
export async function logIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/#/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('logout').waitFor();
}

/** The accessibility violations axe-core finds on the page that are serious or critical. */
export async function seriousViolations(
  page: Page,
): Promise<{ id: string; help: string; targets: unknown[]; html: unknown[] }[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    // Runs in the page, where axe.min.js put `axe` on the global object.
    const axe = (globalThis as unknown as { axe: { run(): Promise<AxeResult> } }).axe;
    return axe.run();
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      help: v.help,
      targets: v.nodes.map((n) => n.target),
      html: v.nodes.map((n) => (n as { html?: string }).html),
    }));
}

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
}

/** Saves a full-page screenshot as `<name>.png` (see SCREENSHOT_DIR). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
