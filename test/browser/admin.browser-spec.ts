import { Page } from 'playwright-core';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { newUser, TestUser } from '../factories';
import { ConsoleRun, logIn, newPage, screenshot, seriousViolations, startConsole } from './harness';

/**
 * The administration section (管理) of the console: users, API clients and rule data, as an
 * administrator does it, in Chinese. Each test makes its own data.
 */
describe('console: administration', () => {
  let run: ConsoleRun;
  let admin: TestUser;
  let page: Page;

  beforeAll(async () => {
    run = await startConsole();
    admin = await newUser(run.t, [Role.ADMIN]);
  });

  afterAll(async () => {
    await run?.close();
  });

  beforeEach(async () => {
    page = await newPage(run);
  });

  afterEach(async () => {
    await page?.context().close();
  });

  /** Picks an option of the antd Select with this test id, then closes its list. */
  async function choose(testId: string, option: string, scope = page.locator('body')): Promise<void> {
    await scope.getByTestId(testId).click();
    await page
      .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
      .filter({ hasText: option })
      .first()
      .click();
  }

  /** Closes any open dropdown by clicking a neutral place: the heading of the open dialog. */
  const closeDropdown = (title: string) => page.locator('.ant-modal-title', { hasText: title }).click();

  const unique = () => Math.random().toString(36).slice(2, 8);

  it('creates a REVIEWER who can then log in, shows field errors and conflicts, changes roles, disables', async () => {
    await logIn(page, run.baseUrl, admin.username, admin.password);
    await page.getByTestId('side-menu').getByRole('link', { name: '用户' }).click();
    await page.getByRole('heading', { name: '用户管理' }).waitFor();
    await page.getByTestId(`user-row-${admin.username}`).waitFor();

    await page.getByTestId('users-new').click();
    const dialog = page.getByTestId('user-dialog');
    await dialog.getByTestId('user-submit').waitFor();
    const username = `rev.${unique()}`;
    const password = `pw-${unique()}-${unique()}`;

    // A username the API refuses: its message beside the field.
    await dialog.getByTestId('user-username').fill('Bad Name!');
    await dialog.getByTestId('user-display-name').fill('李核查');
    await dialog.getByTestId('user-password').fill(password);
    await choose('new-user-roles', '核查员', dialog);
    await closeDropdown('新建用户');
    await dialog.getByTestId('user-submit').click();
    const usernameItem = dialog.locator('.ant-form-item', { has: page.getByTestId('user-username') });
    await usernameItem.locator('.ant-form-item-explain-error').waitFor();
    expect(await usernameItem.locator('.ant-form-item-explain-error').innerText()).toMatch(/\S/);

    // A username already taken: 409 in an Alert.
    await dialog.getByTestId('user-username').fill(admin.username);
    await dialog.getByTestId('user-submit').click();
    const conflict = dialog.locator('[data-testid="user-create-error"][data-status="409"]');
    await conflict.waitFor();
    expect(await conflict.innerText()).toContain(admin.username);

    await dialog.getByTestId('user-username').fill(username);
    await dialog.getByTestId('user-submit').click();
    const row = page.getByTestId(`user-row-${username}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('核查员');
    expect(await row.getByTestId('user-status').innerText()).toBe('启用');
    await dialog.waitFor({ state: 'hidden' });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-users');

    // The new user logs in, in a page of their own, as a REVIEWER.
    const other = await newPage(run);
    try {
      await logIn(other, run.baseUrl, username, password);
      expect(await other.getByTestId('user-roles').innerText()).toContain('核查员');
    } finally {
      await other.context().close();
    }

    // Roles: add 审计员 (If-Match with the version read).
    await row.getByTestId('user-edit-roles').click();
    await choose('roles-select', '审计员');
    await closeDropdown('修改');
    await page.getByTestId('roles-save').click();
    await page.getByTestId(`user-row-${username}`).filter({ hasText: '审计员' }).waitFor();
    const { body: user } = await request(run.t.http)
      .get(`/api/v1/users?text=${username}`)
      .set(admin.auth)
      .expect(200);
    expect(user.items[0].roles.sort()).toEqual(['AUDITOR', 'REVIEWER']);

    // Disable: confirmed, then the user can no longer log in.
    await row.getByTestId('user-toggle').click();
    await page.locator('.ant-popconfirm:visible').getByTestId('confirm-ok').click();
    await page
      .getByTestId(`user-row-${username}`)
      .getByTestId('user-status')
      .filter({ hasText: '已停用' })
      .waitFor();
    await request(run.t.http).post('/api/v1/auth/login').send({ username, password }).expect(401);
  });

  it('creates an API client, shows its key once, the key works until it is revoked', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.baseUrl });
    await logIn(page, run.baseUrl, admin.username, admin.password);
    await page.getByTestId('side-menu').getByRole('link', { name: 'API 客户端' }).click();
    await page.getByRole('heading', { name: 'API 客户端', level: 1 }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Required fields are checked before anything is sent.
    await page.getByTestId('client-submit').click();
    await page.locator('.ant-form-item-explain-error', { hasText: '请输入名称' }).waitFor();

    const name = `基金委系统-${unique()}`;
    await page.getByTestId('client-name').fill(name);
    await choose('client-scopes', 'records:read');
    await page.getByRole('heading', { name: '新建 API 客户端' }).click();
    await page.getByTestId('client-submit').click();

    const keyDialog = page.getByTestId('key-dialog');
    const keyBox = page.getByTestId('api-key');
    await keyBox.waitFor();
    const key = await keyBox.inputValue();
    expect(key).toMatch(/^rir_[A-Za-z0-9_-]{43}$/);
    expect(await keyDialog.innerText()).toContain('无法再次查看');
    await page.getByTestId('key-copy').click();
    // The page's own clipboard (a string: this file is compiled without the DOM's types).
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await screenshot(page, 'admin-api-client-key');

    const me = await request(run.t.http).get('/api/v1/auth/me').set('X-Api-Key', key).expect(200);
    expect(me.body).toMatchObject({ kind: 'API_CLIENT', name, permissions: ['records:read'] });

    // Closed: the key is gone from the page, the list shows its prefix only.
    await page.getByTestId('key-done').click();
    await keyBox.waitFor({ state: 'detached' });
    const row = page.getByTestId(`client-row-${name}`);
    await row.waitFor();
    expect(await row.innerText()).toContain(key.slice(0, 10));
    expect(await page.locator('body').innerText()).not.toContain(key);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-api-clients');

    await row.getByTestId('client-revoke').click();
    await page.locator('.ant-popconfirm:visible').getByTestId('confirm-ok').click();
    await row.waitFor({ state: 'detached' });
    await request(run.t.http).get('/api/v1/auth/me').set('X-Api-Key', key).expect(401);

    await page.getByTestId('clients-show-revoked').click();
    expect(await row.getByTestId('client-status').innerText()).toContain('已撤销');
  });

  it('shows rule version 1, refuses bad data with its field path, and diffs v1 against a new version', async () => {
    const { body: v1 } = await request(run.t.http).get('/api/v1/rule-sets/1').set(admin.auth).expect(200);
    const before = v1.data.redObjectionPeriodDays as number;
    const after = before + 3;

    await logIn(page, run.baseUrl, admin.username, admin.password);
    await page.getByTestId('side-menu').getByRole('link', { name: '规则数据' }).click();
    await page.getByRole('heading', { name: '规则数据', level: 1 }).waitFor();
    await page.locator('[data-testid="rules-view"][data-version="1"]').waitFor();
    const measures = await page.getByTestId('rule-measures').innerText();
    expect(measures).toContain(v1.data.measureTypes[0].code);
    expect(measures).toContain(v1.data.measureTypes[0].label);
    const periods = page.getByTestId('rule-periods');
    expect(await periods.innerText()).toContain('红名单公示期');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-rules');

    // A new version from version 1's data, first with a value the API refuses.
    await page.getByTestId('rules-new').click();
    const data = page.getByTestId('new-data');
    await page.locator('[data-testid="new-data"]:not(:empty)').waitFor();
    const edited = JSON.parse(await data.inputValue());
    expect(edited.redObjectionPeriodDays).toBe(before);
    await data.fill(JSON.stringify({ ...edited, redObjectionPeriodDays: -1 }, null, 2));
    await page.getByTestId('new-note').fill('红名单公示期调整');
    await page.getByTestId('new-submit').click();
    const dataItem = page.locator('.ant-form-item', { has: data });
    const dataError = dataItem.locator('.ant-form-item-explain-error', {
      hasText: 'data.redObjectionPeriodDays',
    });
    await dataError.waitFor();
    expect(await page.getByTestId('new-error').innerText()).toMatch(/\S/);

    // Not JSON: refused before anything is sent.
    await data.fill('{ not json');
    await page.getByTestId('new-submit').click();
    await dataItem.locator('.ant-form-item-explain-error', { hasText: 'JSON' }).waitFor();

    await data.fill(JSON.stringify({ ...edited, redObjectionPeriodDays: after }, null, 2));
    await page.getByTestId('new-submit').click();
    await page.locator('[data-testid="rules-view"][data-version="2"]').waitFor();
    const { body: versions } = await request(run.t.http).get('/api/v1/rule-sets').set(admin.auth).expect(200);
    expect(versions.map((v: { version: number }) => v.version).sort()).toEqual([1, 2]);

    // Compare through the form: 1 → 2, one change at its path.
    await choose('diff-from', '版本 1');
    await choose('diff-to', '版本 2');
    await page.getByTestId('diff-run').click();
    const result = page.locator('[data-testid="diff-result"][data-from="1"][data-to="2"]');
    await result.waitFor();
    const rows = result.locator('.ant-table-tbody tr.ant-table-row');
    expect(await rows.count()).toBe(1);
    const text = await rows.first().innerText();
    expect(text).toContain('redObjectionPeriodDays');
    expect(text).toContain('修改');
    expect(text).toContain(String(before));
    expect(text).toContain(String(after));

    // The same version against itself: no difference.
    await choose('diff-from', '版本 2');
    await page.getByTestId('diff-run').click();
    await page.getByTestId('diff-same').waitFor();

    await choose('diff-from', '版本 1');
    await page.getByTestId('diff-run').click();
    await result.locator('.ant-table-row').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-rules-diff');
  });
});
