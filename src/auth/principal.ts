/** Roles a user may hold (several at once). */
export enum Role {
  ADMIN = 'ADMIN',
  RECORDER = 'RECORDER',
  APPROVER = 'APPROVER',
  REVIEWER = 'REVIEWER',
  AUDITOR = 'AUDITOR',
}

export const ALL_ROLES = Object.values(Role);

/** The roles that may see identifiers in full: a subject's reveal, a full-identifier export (ADMIN by implication). */
export const IDENTIFIER_REVEALER_ROLES: readonly Role[] = [Role.RECORDER, Role.APPROVER];

/** What an API client (another system) may do. */
export enum Scope {
  CHECKS_RUN = 'checks:run',
  /** Reads the change feed (GET /changes), full identifiers included. */
  CHANGES_READ = 'changes:read',
  RECORDS_READ = 'records:read',
  RECORDS_WRITE = 'records:write',
}

export const ALL_SCOPES = Object.values(Scope);

/** ADMIN may do everything a recorder and an approver may; no other role implies another. */
const IMPLIED: Partial<Record<Role, Role[]>> = { [Role.ADMIN]: [Role.RECORDER, Role.APPROVER] };

export function effectiveRoles(roles: readonly Role[]): Set<Role> {
  return new Set(roles.flatMap((r) => [r, ...(IMPLIED[r] ?? [])]));
}

export interface UserPrincipal {
  kind: 'USER';
  id: string;
  username: string;
  roles: Role[];
}

export interface ApiClientPrincipal {
  kind: 'API_CLIENT';
  id: string;
  name: string;
  scopes: Scope[];
}

export type Principal = UserPrincipal | ApiClientPrincipal;

/** What a route requires: any one of the roles (for users) or any one of the scopes (for API clients). */
export interface AccessRequirement {
  roles?: Role[];
  scopes?: Scope[];
}

/** The access rule as a pure function: the global guard and the role-matrix test both use it. */
export function isAllowed(principal: Principal, requirement: AccessRequirement): boolean {
  if (principal.kind === 'USER') {
    const held = effectiveRoles(principal.roles);
    return (requirement.roles ?? []).some((r) => held.has(r));
  }
  return (requirement.scopes ?? []).some((s) => principal.scopes.includes(s));
}
