import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { ALL_ROLES, ALL_SCOPES, Role, Scope } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';
import { newApiClient, newUser } from '../factories';

type Method = 'get' | 'post' | 'put' | 'patch';
type Who = 'PUBLIC' | { roles: Role[]; scopes: Scope[] };

const ANY_USER = { roles: ALL_ROLES, scopes: [] };
const ADMIN_ONLY = { roles: [Role.ADMIN], scopes: [] };
const AUDITOR_ONLY = { roles: [Role.AUDITOR], scopes: [] };
const MISSING = '00000000-0000-4000-8000-000000000000';
// ADMIN may do all a RECORDER and an APPROVER may.
const SUBJECT_READERS = {
  roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.REVIEWER],
  scopes: [Scope.RECORDS_READ],
};
const SUBJECT_WRITERS = { roles: [Role.ADMIN, Role.RECORDER], scopes: [Scope.RECORDS_WRITE] };
const IDENTIFIER_REVEALERS = { roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER], scopes: [] };
const RULE_READERS = {
  roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.REVIEWER],
  scopes: [Scope.RECORDS_READ, Scope.CHECKS_RUN],
};
const RECORD_READERS = SUBJECT_READERS;
const RECORD_WRITERS = SUBJECT_WRITERS;
const APPROVERS = { roles: [Role.ADMIN, Role.APPROVER], scopes: [] };
// Random inspections are worked by people only: no API client scope reaches them.
const INSPECTION_PLANNERS = { roles: [Role.ADMIN, Role.RECORDER], scopes: [] };
const INSPECTION_READERS = { roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER], scopes: [] };
const EXPORTERS = {
  roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.AUDITOR],
  scopes: [Scope.RECORDS_READ, Scope.CHANGES_READ],
};

/**
 * The access table of the identity issue, written out: who may call each route. Users and API
 * clients not listed must get 403; callers without valid credentials 401.
 */
const ROUTES: { method: Method; path: string; who: Who }[] = [
  { method: 'get', path: '/health/live', who: 'PUBLIC' },
  { method: 'get', path: '/health/ready', who: 'PUBLIC' },
  { method: 'post', path: '/api/v1/auth/login', who: 'PUBLIC' },
  { method: 'post', path: '/api/v1/auth/refresh', who: 'PUBLIC' },
  { method: 'post', path: '/api/v1/auth/logout', who: 'PUBLIC' },
  { method: 'get', path: '/api/v1/receipts/keys', who: 'PUBLIC' },
  { method: 'post', path: '/api/v1/receipts/verify', who: 'PUBLIC' },
  { method: 'get', path: '/api/v1/auth/me', who: { roles: ALL_ROLES, scopes: ALL_SCOPES } },
  { method: 'get', path: '/api/v1/public/entries', who: 'PUBLIC' },
  { method: 'get', path: '/api/v1/public/entries/export', who: 'PUBLIC' },
  { method: 'post', path: '/api/v1/public/verify', who: 'PUBLIC' },
  { method: 'get', path: '/api/v1/changes', who: { roles: [Role.ADMIN], scopes: [Scope.CHANGES_READ] } },
  { method: 'post', path: '/api/v1/auth/password', who: ANY_USER },
  { method: 'post', path: '/api/v1/users', who: ADMIN_ONLY },
  { method: 'get', path: '/api/v1/users', who: ADMIN_ONLY },
  { method: 'get', path: `/api/v1/users/${MISSING}`, who: ADMIN_ONLY },
  { method: 'put', path: `/api/v1/users/${MISSING}/roles`, who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/users/${MISSING}/disable`, who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/users/${MISSING}/enable`, who: ADMIN_ONLY },
  { method: 'post', path: '/api/v1/api-clients', who: ADMIN_ONLY },
  { method: 'get', path: '/api/v1/api-clients', who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/api-clients/${MISSING}/revoke`, who: ADMIN_ONLY },
  { method: 'post', path: '/api/v1/webhooks', who: ADMIN_ONLY },
  { method: 'get', path: '/api/v1/webhooks', who: ADMIN_ONLY },
  { method: 'get', path: `/api/v1/webhooks/${MISSING}`, who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/webhooks/${MISSING}/rotate-secret`, who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/webhooks/${MISSING}/disable`, who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/webhooks/${MISSING}/enable`, who: ADMIN_ONLY },
  { method: 'get', path: `/api/v1/webhooks/${MISSING}/deliveries`, who: ADMIN_ONLY },
  { method: 'post', path: `/api/v1/webhooks/${MISSING}/deliveries/${MISSING}/redeliver`, who: ADMIN_ONLY },
  { method: 'get', path: `/api/v1/exports/${MISSING}`, who: EXPORTERS },
  { method: 'get', path: '/api/v1/audit', who: AUDITOR_ONLY },
  { method: 'get', path: '/api/v1/audit/export', who: AUDITOR_ONLY },
  { method: 'post', path: '/api/v1/audit/verify', who: AUDITOR_ONLY },
  { method: 'get', path: '/api/v1/audit/head', who: AUDITOR_ONLY },
  { method: 'post', path: '/api/v1/subjects', who: SUBJECT_WRITERS },
  { method: 'post', path: '/api/v1/subjects/search', who: SUBJECT_READERS },
  { method: 'get', path: `/api/v1/subjects/${MISSING}`, who: SUBJECT_READERS },
  { method: 'patch', path: `/api/v1/subjects/${MISSING}`, who: SUBJECT_WRITERS },
  { method: 'post', path: `/api/v1/subjects/${MISSING}/identifiers`, who: SUBJECT_WRITERS },
  { method: 'get', path: `/api/v1/subjects/${MISSING}/identifiers/revealed`, who: IDENTIFIER_REVEALERS },
  { method: 'get', path: '/api/v1/rule-sets', who: RULE_READERS },
  { method: 'get', path: '/api/v1/rule-sets/current', who: RULE_READERS },
  { method: 'get', path: '/api/v1/stats/overview', who: { roles: ALL_ROLES, scopes: [] } },
  { method: 'get', path: `/api/v1/rule-sets/${MISSING}`, who: RULE_READERS },
  { method: 'post', path: '/api/v1/rule-sets', who: ADMIN_ONLY },
  { method: 'post', path: '/api/v1/cases', who: RECORD_WRITERS },
  { method: 'get', path: '/api/v1/cases', who: RECORD_READERS },
  { method: 'get', path: `/api/v1/cases/${MISSING}`, who: RECORD_READERS },
  { method: 'post', path: `/api/v1/cases/${MISSING}/transitions`, who: RECORD_WRITERS },
  { method: 'post', path: `/api/v1/cases/${MISSING}/measures`, who: RECORD_WRITERS },
  { method: 'get', path: '/api/v1/imports/decisions/template', who: RECORD_WRITERS },
  { method: 'post', path: '/api/v1/imports/decisions', who: RECORD_WRITERS },
  { method: 'post', path: '/api/v1/listings', who: RECORD_WRITERS },
  { method: 'get', path: '/api/v1/listings', who: RECORD_READERS },
  { method: 'get', path: `/api/v1/listings/${MISSING}`, who: RECORD_READERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/approve`, who: APPROVERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/reject`, who: APPROVERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/revoke`, who: APPROVERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/corrections`, who: APPROVERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/objections`, who: RECORD_WRITERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/objections/${MISSING}/resolve`, who: APPROVERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/repairs`, who: RECORD_WRITERS },
  { method: 'post', path: `/api/v1/listings/${MISSING}/repairs/${MISSING}/decision`, who: APPROVERS },
  { method: 'post', path: '/api/v1/checks', who: { roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] } },
  {
    method: 'get',
    path: `/api/v1/checks/${MISSING}`,
    who: { roles: [Role.REVIEWER, Role.AUDITOR], scopes: [Scope.CHECKS_RUN] },
  },
  {
    method: 'get',
    path: `/api/v1/checks/${MISSING}/certificate.pdf`,
    who: { roles: [Role.REVIEWER, Role.AUDITOR], scopes: [Scope.CHECKS_RUN] },
  },
  {
    method: 'post',
    path: '/api/v1/checks/jobs',
    who: { roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] },
  },
  {
    method: 'get',
    path: `/api/v1/checks/jobs/${MISSING}`,
    who: { roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] },
  },
  {
    method: 'get',
    path: `/api/v1/checks/jobs/${MISSING}/results`,
    who: { roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] },
  },
  {
    method: 'get',
    path: `/api/v1/checks/jobs/${MISSING}/certificates.zip`,
    who: { roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] },
  },
  { method: 'post', path: '/api/v1/inspections/pools', who: INSPECTION_PLANNERS },
  { method: 'get', path: '/api/v1/inspections/pools', who: INSPECTION_READERS },
  { method: 'post', path: `/api/v1/inspections/pools/${MISSING}/versions`, who: INSPECTION_PLANNERS },
  { method: 'post', path: '/api/v1/inspections/plans', who: INSPECTION_PLANNERS },
  { method: 'get', path: '/api/v1/inspections/plans', who: INSPECTION_READERS },
  { method: 'get', path: `/api/v1/inspections/plans/${MISSING}`, who: INSPECTION_READERS },
  { method: 'post', path: `/api/v1/inspections/plans/${MISSING}/approve`, who: APPROVERS },
  { method: 'post', path: `/api/v1/inspections/plans/${MISSING}/draw`, who: APPROVERS },
  { method: 'post', path: `/api/v1/inspections/plans/${MISSING}/redraws`, who: APPROVERS },
  { method: 'post', path: `/api/v1/inspections/plans/${MISSING}/findings`, who: INSPECTION_PLANNERS },
  { method: 'post', path: `/api/v1/inspections/plans/${MISSING}/close`, who: APPROVERS },
  { method: 'get', path: '/api/v1/public/inspections', who: 'PUBLIC' },
  { method: 'get', path: `/api/v1/public/inspections/${MISSING}`, who: 'PUBLIC' },
  { method: 'get', path: `/api/v1/public/inspections/${MISSING}/targets`, who: 'PUBLIC' },
  { method: 'get', path: `/api/v1/public/inspections/${MISSING}/inspectors`, who: 'PUBLIC' },
];

interface Caller {
  name: string;
  headers: Record<string, string>;
  role?: Role;
  scope?: Scope;
  /** Credentials that must be refused with 401 (and this code). */
  invalid?: string;
}

describe('access: every route × every kind of caller', () => {
  let t: TestApp;
  const callers: Caller[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    for (const role of ALL_ROLES) {
      callers.push({ name: `user ${role}`, role, headers: (await newUser(t, [role])).auth });
    }
    for (const scope of ALL_SCOPES) {
      callers.push({ name: `client ${scope}`, scope, headers: (await newApiClient(t, [scope])).auth });
    }
    callers.push({ name: 'no credentials', headers: {}, invalid: 'UNAUTHENTICATED' });

    const revoked = await newApiClient(t, ALL_SCOPES);
    const admin = await newUser(t, [Role.ADMIN]);
    await request(t.http).post(`/api/v1/api-clients/${revoked.id}/revoke`).set(admin.auth).expect(200);
    callers.push({ name: 'revoked API key', headers: revoked.auth, invalid: 'UNAUTHENTICATED' });
    callers.push({
      name: 'revoked API key as Bearer',
      headers: { Authorization: `Bearer ${revoked.key}` },
      invalid: 'UNAUTHENTICATED',
    });

    const expired = t.app
      .get(JwtService)
      .sign({ sub: admin.id, usr: admin.username, pwc: 0 }, { expiresIn: -60 });
    callers.push({
      name: 'expired token',
      headers: { Authorization: `Bearer ${expired}` },
      invalid: 'AUTH_TOKEN_EXPIRED',
    });

    const [h, p] = admin.accessToken.split('.');
    callers.push({
      name: 'forged signature',
      headers: { Authorization: `Bearer ${h}.${p}.AAAA` },
      invalid: 'UNAUTHENTICATED',
    });

    const disabled = await newUser(t, [Role.ADMIN, Role.AUDITOR]);
    await request(t.http).post(`/api/v1/users/${disabled.id}/disable`).set(admin.auth).expect(200);
    callers.push({ name: 'disabled user', headers: disabled.auth, invalid: 'UNAUTHENTICATED' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('covers every route of the OpenAPI document', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path.replace(/\{[^}]+\}/g, MISSING)}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("lets an auditor read any user's check receipt, and run no check", async () => {
    const [reviewer, auditor] = [await newUser(t, [Role.REVIEWER]), await newUser(t, [Role.AUDITOR])];
    const body = { domain: 'PROJECT_FUNDING', purpose: 'audit sample', applicants: [{ name: '孙清白' }] };
    const run = await request(t.http).post('/api/v1/checks').set(reviewer.auth).send(body).expect(200);
    const own = await request(t.http).get(`/api/v1/checks/${run.body.id}`).set(reviewer.auth).expect(200);
    const read = await request(t.http).get(`/api/v1/checks/${run.body.id}`).set(auditor.auth).expect(200);
    expect(read.body).toEqual(own.body);
    expect(read.body.actor).toMatchObject({ type: 'USER', id: reviewer.id });
    const refused = await request(t.http).post('/api/v1/checks').set(auditor.auth).send(body).expect(403);
    expect(refused.body.code).toBe('ACCESS_DENIED');
  });

  it.each(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s', async (_, route) => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const caller of callers) {
      const res = await request(t.http)[route.method](route.path).set(caller.headers).send({});
      const got = res.status === 401 || res.status === 403 ? `${res.status} ${res.body.code}` : 'through';
      let want: string;
      if (route.who === 'PUBLIC') want = 'through';
      else if (caller.invalid) want = `401 ${caller.invalid}`;
      else if (caller.role) want = route.who.roles.includes(caller.role) ? 'through' : '403 ACCESS_DENIED';
      else want = route.who.scopes.includes(caller.scope!) ? 'through' : '403 ACCESS_DENIED';
      outcomes.push(`${caller.name}: ${got}`);
      expected.push(`${caller.name}: ${want}`);
    }
    expect(outcomes).toEqual(expected);
  });
});
