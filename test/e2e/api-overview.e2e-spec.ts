import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryModule, DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { API_PREFIX } from '../../src/app.factory';
import { routeAccess } from '../../src/auth/access.guard';
import { ALL_ROLES, ALL_SCOPES, isAllowed, Role, Scope } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';

/**
 * README's route table, checked against the running application: every route Fastify serves is in
 * the table once, and the table's "who may call" is what the route's @Public/@Access say, read the
 * way the access guard reads them. Change a decorator or add a route and this fails until README
 * says the same.
 */

/** Every route given to Fastify (Nest's and Swagger's), recorded as it is added. */
@Injectable()
class RouteRecorder {
  readonly routes: string[] = [];

  // Providers are built before Nest and Swagger add their routes: the hook sees every one.
  constructor(host: HttpAdapterHost) {
    host.httpAdapter.getInstance<FastifyInstance>().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') this.routes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      }
    });
  }
}

@Module({ imports: [DiscoveryModule], providers: [RouteRecorder] })
class RouteRecorderModule {}

/** Swagger UI's own page files (scripts, styles): what `GET /docs` loads, not routes to call. */
const isSwaggerUiFile = (route: string) =>
  route.startsWith('GET /docs/') && route !== 'GET /docs/openapi.json';

/** The console's files but its page (`GET /`): what the page loads, not routes to call. */
const isConsoleFile = (route: string) => route === 'GET /index.html' || route.startsWith('GET /assets/');

/** The routes that are not Nest's, all public: the documentation and the console's page. */
const NON_NEST_ROUTES = ['GET /', 'GET /docs', 'GET /docs-yaml', 'GET /docs/openapi.json', 'GET /verify'];

const ROUTE_CELL = /^`(GET|POST|PUT|PATCH|DELETE) (\/\S*)`$/;

/** The route rows of README's "API overview": `route → who may call`, as written. */
function readmeRoutes(): { route: string; who: string }[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('API overview\n'));
  if (!section) throw new Error('README.md has no "## API overview" section');
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter(([, first]) => ROUTE_CELL.test(first))
    .map(([, route, who]) => ({ route: route.replace(/`/g, ''), who }));
}

/** A README "who may call" cell (`public`, or roles, scopes, "any user", "any API client") in whoString form. */
function parseWho(cell: string): string {
  if (cell === 'public') return 'public';
  const roles = new Set<string>();
  const scopes = new Set<string>();
  for (const token of cell.split(',').map((t) => t.trim())) {
    const name = /^`([^`]+)`$/.exec(token)?.[1];
    if (token === 'any user') ALL_ROLES.forEach((r) => roles.add(r));
    else if (token === 'any API client') ALL_SCOPES.forEach((s) => scopes.add(s));
    else if (name && (ALL_ROLES as string[]).includes(name)) roles.add(name);
    else if (name && (ALL_SCOPES as string[]).includes(name)) scopes.add(name);
    else return `unreadable: "${token}" (write public, any user, any API client, \`ROLE\` or \`scope\`)`;
  }
  return whoString([...roles], [...scopes]);
}

const whoString = (roles: readonly string[], scopes: readonly string[]) =>
  `roles [${ALL_ROLES.filter((r) => roles.includes(r))}] scopes [${ALL_SCOPES.filter((s) => scopes.includes(s))}]`;

type RouteAccess = ReturnType<typeof routeAccess>;

/** The roles and scopes that get through, every implied role counted (ADMIN passes where RECORDER does). */
function allowed(access: Exclude<RouteAccess, 'PUBLIC'>): { roles: Role[]; scopes: Scope[] } {
  if (!access) return { roles: [], scopes: [] };
  return {
    roles: ALL_ROLES.filter((r) => isAllowed({ kind: 'USER', id: '', username: '', roles: [r] }, access)),
    scopes: ALL_SCOPES.filter((s) =>
      isAllowed({ kind: 'API_CLIENT', id: '', name: '', scopes: [s] }, access),
    ),
  };
}

const effectiveWho = (access: RouteAccess): string => {
  if (access === 'PUBLIC') return 'public';
  const { roles, scopes } = allowed(access);
  return whoString(roles, scopes);
};

describe('README route table', () => {
  let t: TestApp;
  /** Every Nest route as `METHOD /path`, with who may call it as the guard decides. */
  const nestRoutes = new Map<string, RouteAccess>();
  /** Every route Fastify serves but Swagger UI's and the console's page files. */
  let served: string[];
  /** A built console of two files, whether or not `npm run build` has made the real one. */
  const consoleDir = mkdtempSync(join(tmpdir(), 'registry-console-'));

  beforeAll(async () => {
    mkdirSync(join(consoleDir, 'assets'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(consoleDir, 'assets', 'index-abc123.js'), 'export {};');
    t = await createTestApp({ imports: [RouteRecorderModule], consoleDir });
    served = t.app.get(RouteRecorder).routes.filter((r) => !isSwaggerUiFile(r) && !isConsoleFile(r));
    const reflector = t.app.get(Reflector);
    const scanner = t.app.get(MetadataScanner);
    for (const { metatype } of t.app.get(DiscoveryService).getControllers()) {
      const controller = metatype as Type<unknown>;
      const base = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat()[0];
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name];
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        for (const path of [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat()) {
          const relative = `/${base}/${path}`
            .replace(/\/+/g, '/')
            .replace(/(.)\/$/, '$1')
            .replace(/:(\w+)/g, '{$1}');
          // Served under the global prefix or, where excluded from it, as is. Neither or both: the
          // route is recorded as written and the enumeration test below fails.
          const candidates = [`/${API_PREFIX}${relative}`, relative].map(
            (p) => `${RequestMethod[method]} ${p}`,
          );
          const found = candidates.filter((c) => served.includes(c));
          nestRoutes.set(
            found.length === 1 ? found[0] : candidates.join(' or '),
            routeAccess(reflector, handler, controller),
          );
        }
      }
    }
  });

  afterAll(async () => {
    await t?.close();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  it('lists every route the service serves, each once, and no other', () => {
    const listed = readmeRoutes().map((r) => r.route);
    expect(listed.filter((r, i) => listed.indexOf(r) !== i)).toEqual([]);
    expect([...listed].sort()).toEqual([...served].sort());
  });

  it('finds each Nest route among the routes served, and serves nothing else but the documentation and the console', () => {
    expect([...nestRoutes.keys()].filter((r) => !served.includes(r))).toEqual([]);
    expect(served.filter((r) => !nestRoutes.has(r)).sort()).toEqual(NON_NEST_ROUTES);
  });

  it('says who may call each route as its @Public/@Access decorators do', () => {
    const rows = readmeRoutes().filter((r) => nestRoutes.has(r.route));
    expect(rows.map((r) => `${r.route}: ${parseWho(r.who)}`)).toEqual(
      rows.map((r) => `${r.route}: ${effectiveWho(nestRoutes.get(r.route))}`),
    );
  });

  it('lists the documentation and the console as public, and they answer without credentials', async () => {
    const docs = readmeRoutes().filter((r) => !nestRoutes.has(r.route));
    expect(docs.map((r) => r.route).sort()).toEqual(NON_NEST_ROUTES);
    for (const { route, who } of docs) {
      expect(`${route}: ${who}`).toBe(`${route}: public`);
      await request(t.http).get(route.split(' ')[1]).expect(200);
    }
    await request(t.http).get('/assets/index-abc123.js').expect(200);
  });

  it("leaves every other path to the not-found handler, the console's neighbours included", async () => {
    for (const path of ['/api/v1/nope', '/assets/nope.js', '/nope.html', '/checks/new']) {
      const { body } = await request(t.http).get(path).expect(404);
      expect(body).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    }
  });

  it('calls a scope reserved exactly when it grants nothing of its own', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const scopeSets = [...nestRoutes.values()]
      .filter((access) => access !== 'PUBLIC')
      .map((access) => allowed(access).scopes)
      // A route open to every API client (GET /auth/me) is no scope's own.
      .filter((scopes) => scopes.length < ALL_SCOPES.length);
    for (const scope of ALL_SCOPES) {
      const grants = scopeSets.some((scopes) => scopes.includes(scope));
      // "`changes:read`, reserved for …": the word follows the scope with no other code span between.
      const reserved = new RegExp(`\`${scope}\`[^\`.]*\\breserved\\b`).test(readme);
      expect(`${scope} is called reserved: ${reserved}`).toBe(`${scope} is called reserved: ${!grants}`);
    }
  });
});
