import fc from 'fast-check';
import {
  ALL_ROLES,
  ALL_SCOPES,
  ApiClientPrincipal,
  effectiveRoles,
  isAllowed,
  Role,
  Scope,
  UserPrincipal,
} from './principal';

const user = (roles: Role[]): UserPrincipal => ({ kind: 'USER', id: 'u1', username: 'li.na', roles });
const client = (scopes: Scope[]): ApiClientPrincipal => ({
  kind: 'API_CLIENT',
  id: 'c1',
  name: 'funding-system',
  scopes,
});

const subsetOf = <T>(values: readonly T[]) => fc.subarray([...values]);

describe('effectiveRoles', () => {
  it('gives ADMIN the recorder and approver roles too', () => {
    expect(effectiveRoles([Role.ADMIN])).toEqual(new Set([Role.ADMIN, Role.RECORDER, Role.APPROVER]));
  });

  it('does not give ADMIN the reviewer or auditor role', () => {
    const roles = effectiveRoles([Role.ADMIN]);
    expect(roles.has(Role.REVIEWER)).toBe(false);
    expect(roles.has(Role.AUDITOR)).toBe(false);
  });

  it.each([Role.RECORDER, Role.APPROVER, Role.REVIEWER, Role.AUDITOR])('gives %s only itself', (role) => {
    expect(effectiveRoles([role])).toEqual(new Set([role]));
  });

  it('gives no role to a user without roles', () => {
    expect(effectiveRoles([]).size).toBe(0);
  });

  it('unites the roles held, each once', () => {
    expect(effectiveRoles([Role.ADMIN, Role.RECORDER, Role.AUDITOR])).toEqual(
      new Set([Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.AUDITOR]),
    );
  });

  it('always contains the roles held and adds nothing but through ADMIN (property)', () => {
    fc.assert(
      fc.property(subsetOf(ALL_ROLES), (held) => {
        const roles = effectiveRoles(held);
        for (const r of held) expect(roles.has(r)).toBe(true);
        const implied = held.includes(Role.ADMIN) ? [Role.RECORDER, Role.APPROVER] : [];
        expect(roles).toEqual(new Set([...held, ...implied]));
      }),
    );
  });
});

describe('isAllowed', () => {
  it('lets ADMIN through where a recorder or an approver is required', () => {
    expect(isAllowed(user([Role.ADMIN]), { roles: [Role.RECORDER] })).toBe(true);
    expect(isAllowed(user([Role.ADMIN]), { roles: [Role.APPROVER] })).toBe(true);
  });

  it('refuses ADMIN where only a reviewer or an auditor may go', () => {
    expect(isAllowed(user([Role.ADMIN]), { roles: [Role.REVIEWER] })).toBe(false);
    expect(isAllowed(user([Role.ADMIN]), { roles: [Role.AUDITOR] })).toBe(false);
  });

  it('does not let a recorder or an approver act as ADMIN', () => {
    expect(isAllowed(user([Role.RECORDER, Role.APPROVER]), { roles: [Role.ADMIN] })).toBe(false);
  });

  it('allows a user holding any one of the roles required', () => {
    expect(isAllowed(user([Role.AUDITOR]), { roles: [Role.ADMIN, Role.AUDITOR] })).toBe(true);
    expect(isAllowed(user([Role.REVIEWER]), { roles: [Role.ADMIN, Role.AUDITOR] })).toBe(false);
  });

  it('refuses every user when the requirement names no role', () => {
    expect(isAllowed(user(ALL_ROLES), {})).toBe(false);
    expect(isAllowed(user(ALL_ROLES), { roles: [] })).toBe(false);
    expect(isAllowed(user(ALL_ROLES), { scopes: ALL_SCOPES })).toBe(false);
  });

  it('refuses every user when the requirement names no role (property)', () => {
    fc.assert(
      fc.property(subsetOf(ALL_ROLES), subsetOf(ALL_SCOPES), (roles, scopes) => {
        expect(isAllowed(user(roles), { scopes })).toBe(false);
      }),
    );
  });

  it('judges an API client by its scopes only', () => {
    expect(isAllowed(client([Scope.CHECKS_RUN]), { scopes: [Scope.CHECKS_RUN] })).toBe(true);
    expect(isAllowed(client([Scope.CHECKS_RUN]), { scopes: [Scope.RECORDS_WRITE] })).toBe(false);
    expect(
      isAllowed(client([Scope.RECORDS_READ]), { scopes: [Scope.RECORDS_WRITE, Scope.RECORDS_READ] }),
    ).toBe(true);
  });

  it('refuses an API client where only roles are named, whatever its scopes', () => {
    expect(isAllowed(client(ALL_SCOPES), { roles: ALL_ROLES })).toBe(false);
    expect(isAllowed(client(ALL_SCOPES), {})).toBe(false);
  });

  it('refuses an API client without scopes', () => {
    expect(isAllowed(client([]), { roles: ALL_ROLES, scopes: ALL_SCOPES })).toBe(false);
  });

  it('matches "any required role among the effective roles" for users (property)', () => {
    fc.assert(
      fc.property(subsetOf(ALL_ROLES), subsetOf(ALL_ROLES), (held, required) => {
        const effective = effectiveRoles(held);
        expect(isAllowed(user(held), { roles: required })).toBe(required.some((r) => effective.has(r)));
      }),
    );
  });

  it('matches "any required scope held" for API clients, roles ignored (property)', () => {
    fc.assert(
      fc.property(
        subsetOf(ALL_SCOPES),
        subsetOf(ALL_SCOPES),
        subsetOf(ALL_ROLES),
        (held, required, roles) => {
          expect(isAllowed(client(held), { roles, scopes: required })).toBe(
            required.some((s) => held.includes(s)),
          );
        },
      ),
    );
  });
});
