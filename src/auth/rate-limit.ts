import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ThrottlerGuard, ThrottlerModuleOptions } from '@nestjs/throttler';
import { Env } from '../config/env';
import { LOGIN_RATE_LIMIT } from './auth.controller';
import { Principal } from './principal';

export const PUBLIC_RATE_LIMIT = 'rate:public';

/**
 * Marks a public-disclosure route: besides the usual limit it counts against
 * RATE_LIMIT_PUBLIC_PER_MINUTE per address, so an open endpoint cannot be scraped at full speed.
 */
export const PublicRateLimit = () => SetMetadata(PUBLIC_RATE_LIMIT, true);

/**
 * A counter's key: the limit's name and the caller, hashed, so that neither user ids nor addresses
 * sit in clear in the counters (in memory, or in PostgreSQL with RATE_LIMIT_STORE=postgres).
 */
export const counterKey = (limit: string, tracker: string): string =>
  createHash('sha256').update(`${limit}\n${tracker}`).digest('base64url');

const isLoginRoute = (context: ExecutionContext): boolean =>
  Reflect.getMetadata(LOGIN_RATE_LIMIT, context.getHandler()) === true;

const isPublicDisclosureRoute = (context: ExecutionContext): boolean =>
  Reflect.getMetadata(PUBLIC_RATE_LIMIT, context.getHandler()) === true ||
  Reflect.getMetadata(PUBLIC_RATE_LIMIT, context.getClass()) === true;

/**
 * Three limits: RATE_LIMIT_PER_MINUTE per user, API client or (without credentials) address on every
 * route; RATE_LIMIT_LOGIN_PER_MINUTE per address on login; RATE_LIMIT_PUBLIC_PER_MINUTE per address on
 * the public disclosure routes. Counters live in the process's memory, or with RATE_LIMIT_STORE=postgres
 * in PostgreSQL, shared by every instance (see rate-limit-store.ts).
 */
export function rateLimitOptions(env: Env): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'default',
        ttl: 60_000,
        limit: env.RATE_LIMIT_PER_MINUTE,
        // One count per caller across every route (the throttler's own key would count per route).
        generateKey: (_context, tracker) => counterKey('default', tracker),
      },
      {
        name: 'login',
        ttl: 60_000,
        limit: env.RATE_LIMIT_LOGIN_PER_MINUTE,
        skipIf: (context) => !isLoginRoute(context),
        getTracker: (req) => `ip:${(req as { ip: string }).ip}`,
      },
      {
        name: 'public',
        ttl: 60_000,
        limit: env.RATE_LIMIT_PUBLIC_PER_MINUTE,
        skipIf: (context) => !isPublicDisclosureRoute(context),
        getTracker: (req) => `ip:${(req as { ip: string }).ip}`,
        // One count per address across the public routes, not one per route.
        generateKey: (_context, tracker) => counterKey('public', tracker),
      },
    ],
  };
}

/** Counts per principal once the access guard has identified the caller, per address otherwise. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.user as Principal | undefined;
    return principal ? `${principal.kind}:${principal.id}` : `ip:${req.ip as string}`;
  }
}
