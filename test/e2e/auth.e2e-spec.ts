import request from 'supertest';
import { API_KEY_CACHE_MS } from '../../src/api-clients/api-clients.service';
import { Role, Scope } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';
import { auditCount, freshRateWindow, login, newApiClient, newUser } from '../factories';

const ISO_INSTANT = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

describe('identity and access', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof newUser>>;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await newUser(t, [Role.ADMIN]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const loginAs = (username: string, password: string) =>
    request(t.http).post('/api/v1/auth/login').send({ username, password });

  describe('login', () => {
    it('returns an access token that works and a refresh token, and audits the login', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      const before = await auditCount(t, 'AUTH_LOGIN');
      const res = await loginAs(user.username, user.password).expect(200);
      expect(res.body).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshToken: expect.any(String),
      });
      const me = await request(t.http)
        .get('/api/v1/auth/me')
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
      expect(me.body).toEqual({
        kind: 'USER',
        id: user.id,
        name: user.username,
        permissions: [Role.REVIEWER],
      });
      expect(await auditCount(t, 'AUTH_LOGIN')).toBe(before + 1);
    });

    it('accepts the username in any case', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      await loginAs(user.username.toUpperCase(), user.password).expect(200);
    });

    it('answers a wrong password and an unknown user alike', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      const wrong = await loginAs(user.username, 'not the password').expect(401);
      const unknown = await loginAs('nobody-here', 'not the password').expect(401);
      expect(wrong.body.code).toBe('AUTH_INVALID_CREDENTIALS');
      expect(unknown.body.code).toBe(wrong.body.code);
      expect(unknown.body.message).toBe(wrong.body.message);
    });

    it('answers missing credentials with 400', async () => {
      const res = await request(t.http).post('/api/v1/auth/login').send({ username: 'x' }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('locks a username after 5 failures in 15 minutes, even against the right password', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      for (let i = 0; i < 4; i++) await loginAs(user.username, `wrong-${i}`).expect(401);
      const fifth = await loginAs(user.username, 'wrong-5').expect(401);
      expect(fifth.body.code).toBe('AUTH_LOCKED');
      const right = await loginAs(user.username, user.password).expect(401);
      expect(right.body.code).toBe('AUTH_LOCKED');
      const [{ n }] = await t.dataSource.query(
        "SELECT count(*)::int AS n FROM audit_entry WHERE action = 'AUTH_LOCKED' AND target_id = $1",
        [user.id],
      );
      expect(n).toBe(1);
      expect(await auditCount(t, 'AUTH_LOGIN_REFUSED_LOCKED')).toBeGreaterThanOrEqual(1);
    });

    it('answers a known, an unknown and a disabled username alike, attempt by attempt, through the lock', async () => {
      const known = await newUser(t, [Role.REVIEWER], { login: false });
      const disabled = await newUser(t, [Role.REVIEWER], { login: false });
      await request(t.http).post(`/api/v1/users/${disabled.id}/disable`).set(admin.auth).expect(200);
      /** Six wrong passwords, then the right one (the unknown name has none): every answer, times masked. */
      const answers = async (username: string, password: string) => {
        const seen: string[] = [];
        for (const attempt of [...[1, 2, 3, 4, 5, 6].map((i) => `wrong-${i}`), password]) {
          const res = await loginAs(username, attempt);
          const { requestId, message, ...rest } = res.body;
          expect(requestId).toEqual(expect.any(String));
          seen.push(
            `${res.status} ${JSON.stringify({ ...rest, message: message.replace(ISO_INSTANT, '<t>') })}`,
          );
        }
        return seen;
      };
      const invalid =
        '401 {"code":"AUTH_INVALID_CREDENTIALS","details":[],"message":"Invalid username or password"}';
      const locked =
        '401 {"code":"AUTH_LOCKED","details":[],"message":"Too many failed logins for this username: try again after <t>"}';
      const expected = [invalid, invalid, invalid, invalid, locked, locked, locked];
      expect(await answers(known.username, known.password)).toEqual(expected);
      expect(await answers(`ghost-${known.username}`, known.password)).toEqual(expected);
      expect(await answers(disabled.username, disabled.password)).toEqual(expected);
    });

    it('takes credentials from the JSON body only, never from the query string', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      const query = new URLSearchParams({ username: user.username, password: user.password });
      const res = await request(t.http).post(`/api/v1/auth/login?${query}`).expect(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [
          expect.objectContaining({ field: 'username', code: 'IS_NOT_EMPTY' }),
          expect.objectContaining({ field: 'password', code: 'IS_NOT_EMPTY' }),
        ],
      });
      const mixed = await request(t.http)
        .post(`/api/v1/auth/login?password=${encodeURIComponent(user.password)}`)
        .send({ username: user.username })
        .expect(400);
      expect(mixed.body.details).toEqual([
        expect.objectContaining({ field: 'password', code: 'IS_NOT_EMPTY' }),
      ]);
    });

    it('refuses credentials that are not strings with 400, for known and unknown usernames alike', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      for (const username of [user.username, `ghost-${user.username}`]) {
        for (const password of [12, true]) {
          const res = await request(t.http)
            .post('/api/v1/auth/login')
            .send({ username, password })
            .expect(400);
          expect(res.body).toMatchObject({
            code: 'VALIDATION_FAILED',
            details: [expect.objectContaining({ field: 'password', code: 'IS_STRING' })],
          });
        }
      }
      const res = await request(t.http)
        .post('/api/v1/auth/login')
        .send({ username: ['a'], password: 7 })
        .expect(400);
      expect(res.body.details).toEqual([
        expect.objectContaining({ field: 'username', code: 'IS_STRING' }),
        expect.objectContaining({ field: 'password', code: 'IS_STRING' }),
      ]);
      // Refused as malformed, so none counted as a failed login.
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM login_failure WHERE username_key = ANY($1)',
        [[user.username, `ghost-${user.username}`]],
      );
      expect(n).toBe(0);
    });

    it('forgets earlier failures after a successful login', async () => {
      const user = await newUser(t, [Role.REVIEWER], { login: false });
      for (let i = 0; i < 4; i++) await loginAs(user.username, `wrong-${i}`).expect(401);
      await loginAs(user.username, user.password).expect(200);
      for (let i = 0; i < 4; i++) await loginAs(user.username, `wrong-again-${i}`).expect(401);
      await loginAs(user.username, user.password).expect(200);
    });

    it('refuses a disabled user', async () => {
      const user = await newUser(t, [Role.REVIEWER]);
      await request(t.http).post(`/api/v1/users/${user.id}/disable`).set(admin.auth).expect(200);
      const res = await loginAs(user.username, user.password).expect(401);
      expect(res.body.code).toBe('AUTH_INVALID_CREDENTIALS');
      await request(t.http).get('/api/v1/auth/me').set(user.auth).expect(401);
      await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(401);
    });
  });

  describe('refresh tokens', () => {
    it('rotate: the new pair works, the old refresh token does not', async () => {
      const user = await newUser(t, [Role.REVIEWER]);
      const res = await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      expect(res.body.refreshToken).not.toBe(user.refreshToken);
      await request(t.http)
        .get('/api/v1/auth/me')
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
      const reuse = await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(401);
      expect(reuse.body.code).toBe('AUTH_INVALID_REFRESH_TOKEN');
    });

    it('reusing a rotated token revokes the whole family (a copied token is detected)', async () => {
      const user = await newUser(t, [Role.REVIEWER]);
      const rotated = await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(401);
      await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: rotated.body.refreshToken })
        .expect(401);
      expect(await auditCount(t, 'AUTH_REFRESH_REUSED')).toBeGreaterThanOrEqual(1);
    });

    it('only one of two concurrent refreshes of one token succeeds', async () => {
      const user = await newUser(t, [Role.REVIEWER]);
      const results = await Promise.all(
        [1, 2].map(() =>
          request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('logout revokes the refresh token', async () => {
      const user = await newUser(t, [Role.REVIEWER]);
      await request(t.http).post('/api/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
      await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(401);
      await request(t.http).post('/api/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(401);
      expect(await auditCount(t, 'AUTH_LOGOUT')).toBeGreaterThanOrEqual(1);
    });

    it('refuses a made-up token', async () => {
      const res = await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: 'x'.repeat(43) })
        .expect(401);
      expect(res.body.code).toBe('AUTH_INVALID_REFRESH_TOKEN');
    });
  });

  describe('own password', () => {
    it('changes, voiding older access and refresh tokens', async () => {
      const user = await newUser(t, [Role.RECORDER]);
      await request(t.http)
        .post('/api/v1/auth/password')
        .set(user.auth)
        .send({ currentPassword: 'wrong', newPassword: 'a brand new password' })
        .expect(400);
      await request(t.http)
        .post('/api/v1/auth/password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: 'a brand new password' })
        .expect(204);
      await request(t.http).get('/api/v1/auth/me').set(user.auth).expect(401);
      await request(t.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(401);
      await loginAs(user.username, user.password).expect(401);
      await loginAs(user.username, 'a brand new password').expect(200);
    });

    it('refuses a short new password, naming the field', async () => {
      const user = await newUser(t, [Role.RECORDER]);
      const res = await request(t.http)
        .post('/api/v1/auth/password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: 'short' })
        .expect(400);
      expect(res.body.details).toEqual([
        expect.objectContaining({ field: 'newPassword', code: 'MIN_LENGTH' }),
      ]);
    });
  });

  describe('users (admin)', () => {
    it('creates, lists, changes roles with If-Match, disables and enables', async () => {
      const created = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .send({
          username: 'Wang.Fang',
          displayName: '王芳',
          password: 'long enough password',
          roles: ['RECORDER'],
        })
        .expect(201);
      expect(created.body).toMatchObject({
        username: 'wang.fang',
        roles: ['RECORDER'],
        version: 1,
        disabledAt: null,
      });
      expect(created.body).not.toHaveProperty('passwordHash');

      const list = await request(t.http)
        .get('/api/v1/users?role=RECORDER&text=wang')
        .set(admin.auth)
        .expect(200);
      expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([created.body.id]);

      const stale = await request(t.http)
        .put(`/api/v1/users/${created.body.id}/roles`)
        .set(admin.auth)
        .set('If-Match', '"7"')
        .send({ roles: ['APPROVER'] })
        .expect(412);
      expect(stale.body.code).toBe('USER_VERSION_MISMATCH');
      const changed = await request(t.http)
        .put(`/api/v1/users/${created.body.id}/roles`)
        .set(admin.auth)
        .set('If-Match', '"1"')
        .send({ roles: ['APPROVER', 'RECORDER'] })
        .expect(200);
      expect(changed.body).toMatchObject({ roles: ['APPROVER', 'RECORDER'], version: 2 });

      const disabled = await request(t.http)
        .post(`/api/v1/users/${created.body.id}/disable`)
        .set(admin.auth)
        .expect(200);
      expect(disabled.body.disabledAt).toEqual(expect.any(String));
      await loginAs('wang.fang', 'long enough password').expect(401);
      await request(t.http).post(`/api/v1/users/${created.body.id}/enable`).set(admin.auth).expect(200);
      await loginAs('wang.fang', 'long enough password').expect(200);
    });

    it('lets one of concurrent creations of a username win; the others get USERNAME_TAKEN', async () => {
      const username = `twin-${Date.now()}`;
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          request(t.http)
            .post('/api/v1/users')
            .set(admin.auth)
            .send({ username, displayName: 'x', password: 'long enough password', roles: [] }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      for (const r of results.filter((r) => r.status === 409)) expect(r.body.code).toBe('USERNAME_TAKEN');
    });

    it('refuses a taken username with 409, whatever the case', async () => {
      const res = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .send({
          username: admin.username.toUpperCase(),
          displayName: 'x',
          password: 'long enough password',
          roles: [],
        })
        .expect(409);
      expect(res.body).toMatchObject({
        code: 'USERNAME_TAKEN',
        details: [expect.objectContaining({ field: 'username' })],
      });
    });

    it('refuses bad input field by field', async () => {
      const res = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .send({ username: 'A B', displayName: '', password: 'short', roles: ['KING'], extra: 1 })
        .expect(400);
      const fields = res.body.details.map((d: { field: string }) => d.field).sort();
      expect(fields).toEqual(['displayName', 'extra', 'password', 'roles', 'username']);
    });

    it('answers a malformed id with 400 and an unknown one with 404', async () => {
      const bad = await request(t.http).get('/api/v1/users/not-a-uuid').set(admin.auth).expect(400);
      expect(bad.body.code).toBe('INVALID_ID');
      const missing = await request(t.http)
        .get('/api/v1/users/00000000-0000-4000-8000-000000000000')
        .set(admin.auth)
        .expect(404);
      expect(missing.body.code).toBe('USER_NOT_FOUND');
    });
  });

  describe('API clients', () => {
    it('shows the key once, stores only its hash, and the key works in either header', async () => {
      const res = await request(t.http)
        .post('/api/v1/api-clients')
        .set(admin.auth)
        .send({ name: 'provincial funding system', scopes: ['checks:run'] })
        .expect(201);
      const key: string = res.body.key;
      expect(key).toMatch(/^rir_[A-Za-z0-9_-]{43}$/);
      expect(key.startsWith(res.body.keyPrefix)).toBe(true);

      const list = await request(t.http).get('/api/v1/api-clients').set(admin.auth).expect(200);
      const listed = list.body.find((c: { id: string }) => c.id === res.body.id);
      expect(listed).toBeDefined();
      expect(listed).not.toHaveProperty('key');
      expect(JSON.stringify(list.body)).not.toContain(key);
      const [row] = await t.dataSource.query('SELECT key_hash FROM api_client WHERE id = $1', [res.body.id]);
      expect(row.key_hash.toString('utf8')).not.toContain(key);
      expect(row.key_hash).toHaveLength(32);

      const viaHeader = await request(t.http).get('/api/v1/auth/me').set('X-Api-Key', key).expect(200);
      expect(viaHeader.body).toMatchObject({
        kind: 'API_CLIENT',
        id: res.body.id,
        permissions: ['checks:run'],
      });
      await request(t.http).get('/api/v1/auth/me').set('Authorization', `Bearer ${key}`).expect(200);

      // lastUsedAt is written after the answer, off the key's hot path: wait for it, bounded.
      const lastUsed = async () =>
        (await t.dataSource.query('SELECT last_used_at FROM api_client WHERE id = $1', [res.body.id]))[0]
          .last_used_at;
      for (let i = 0; i < 100 && (await lastUsed()) === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await lastUsed()).toBeInstanceOf(Date);
    });

    it('stops a revoked key at once', async () => {
      const client = await newApiClient(t, [Scope.CHECKS_RUN]);
      await request(t.http).get('/api/v1/auth/me').set(client.auth).expect(200);
      await request(t.http).post(`/api/v1/api-clients/${client.id}/revoke`).set(admin.auth).expect(200);
      await request(t.http).get('/api/v1/auth/me').set(client.auth).expect(401);
      expect(await auditCount(t, 'API_CLIENT_REVOKED')).toBeGreaterThanOrEqual(1);
    });

    it('keeps a known key for a few seconds: a revocation by another instance takes effect within them', async () => {
      const client = await newApiClient(t, [Scope.CHECKS_RUN]);
      await request(t.http).get('/api/v1/auth/me').set(client.auth).expect(200);
      // Revoked in the database, as another instance of the service would.
      await t.dataSource.query('UPDATE api_client SET revoked_at = now() WHERE id = $1', [client.id]);
      await request(t.http).get('/api/v1/auth/me').set(client.auth).expect(200);
      const now = Date.now();
      const later = jest.spyOn(Date, 'now').mockImplementation(() => now + API_KEY_CACHE_MS + 1);
      try {
        await request(t.http).get('/api/v1/auth/me').set(client.auth).expect(401);
      } finally {
        later.mockRestore();
      }
    });

    it('lets one of concurrent creations of a client name win; the others get API_CLIENT_NAME_TAKEN', async () => {
      const name = `system-${Date.now()}`;
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          request(t.http)
            .post('/api/v1/api-clients')
            .set(admin.auth)
            .send({ name, scopes: ['checks:run'] }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      for (const r of results.filter((r) => r.status === 409))
        expect(r.body.code).toBe('API_CLIENT_NAME_TAKEN');
    });

    it('refuses an unknown scope and a duplicate active name', async () => {
      const bad = await request(t.http)
        .post('/api/v1/api-clients')
        .set(admin.auth)
        .send({ name: 'x system', scopes: ['everything'] })
        .expect(400);
      expect(bad.body.details[0]).toMatchObject({ field: 'scopes', code: 'IS_ENUM' });
      await request(t.http)
        .post('/api/v1/api-clients')
        .set(admin.auth)
        .send({ name: 'twin', scopes: ['changes:read'] })
        .expect(201);
      const twin = await request(t.http)
        .post('/api/v1/api-clients')
        .set(admin.auth)
        .send({ name: 'TWIN', scopes: ['changes:read'] })
        .expect(409);
      expect(twin.body.code).toBe('API_CLIENT_NAME_TAKEN');
    });
  });

  describe('security headers', () => {
    it('sets helmet headers and no CORS by default', async () => {
      const res = await request(t.http)
        .get('/health/live')
        .set('Origin', 'https://elsewhere.example')
        .expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_LOGIN_PER_MINUTE: '3', RATE_LIMIT_PER_MINUTE: '5' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('limits login attempts per address with 429 and Retry-After', async () => {
    await freshRateWindow();
    for (let i = 0; i < 3; i++) {
      await request(t.http)
        .post('/api/v1/auth/login')
        .send({ username: `rl${i}`, password: 'x' })
        .expect(401);
    }
    const res = await request(t.http)
      .post('/api/v1/auth/login')
      .send({ username: 'rl9', password: 'x' })
      .expect(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('limits each caller separately on other routes', async () => {
    const a = await newApiClient(t, [Scope.CHANGES_READ]);
    const b = await newApiClient(t, [Scope.CHANGES_READ]);
    await freshRateWindow();
    for (let i = 0; i < 5; i++) await request(t.http).get('/api/v1/auth/me').set(a.auth).expect(200);
    const limited = await request(t.http).get('/api/v1/auth/me').set(a.auth).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await request(t.http).get('/api/v1/auth/me').set(b.auth).expect(200);
  });

  it('counts a caller once across routes, not per route', async () => {
    const c = await newApiClient(t, [Scope.CHANGES_READ]);
    await freshRateWindow();
    for (let i = 0; i < 3; i++) await request(t.http).get('/api/v1/auth/me').set(c.auth).expect(200);
    for (let i = 0; i < 2; i++) await request(t.http).get('/api/v1/changes').set(c.auth).expect(200);
    const limited = await request(t.http).get('/api/v1/changes').set(c.auth).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    await request(t.http).get('/api/v1/auth/me').set(c.auth).expect(429);
  });
});

describe('the first administrator', () => {
  it('is created from BOOTSTRAP_ADMIN_* on an empty database, once', async () => {
    const t = await createTestApp({
      env: { BOOTSTRAP_ADMIN_USERNAME: 'root-admin', BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap password 1' },
    });
    try {
      const tokens = await login(t, 'root-admin', 'bootstrap password 1');
      const me = await request(t.http)
        .get('/api/v1/auth/me')
        .set('Authorization', `Bearer ${tokens.accessToken}`)
        .expect(200);
      expect(me.body.permissions).toEqual(['ADMIN']);
      const [{ n }] = await t.dataSource.query(
        "SELECT count(*)::int AS n FROM audit_entry WHERE action = 'USER_CREATED' AND request_id = 'bootstrap'",
      );
      expect(n).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('the last administrator', () => {
  it('keeps at least one enabled administrator and refuses self-disabling', async () => {
    const solo = await createTestApp();
    try {
      const onlyAdmin = await newUser(solo, [Role.ADMIN]);
      const self = await request(solo.http)
        .post(`/api/v1/users/${onlyAdmin.id}/disable`)
        .set(onlyAdmin.auth)
        .expect(409);
      expect(self.body.code).toBe('USER_CANNOT_DISABLE_SELF');
      const demote = await request(solo.http)
        .put(`/api/v1/users/${onlyAdmin.id}/roles`)
        .set(onlyAdmin.auth)
        .send({ roles: ['AUDITOR'] })
        .expect(409);
      expect(demote.body.code).toBe('LAST_ADMIN');
    } finally {
      await solo.close();
    }
  });
});
