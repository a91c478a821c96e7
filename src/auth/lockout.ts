/** Rule data of the login lockout: 5 failures within 15 minutes lock the username for 15 minutes. */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/**
 * Until when a username is locked, given the times of its recent failed logins, or null when it is
 * not locked at `now`. A lock starts at the failure that completes `maxFailures` failures within
 * `windowMs` and lasts `lockMs`.
 */
export function lockedUntil(
  failures: readonly Date[],
  now: Date,
  policy: LockoutPolicy = DEFAULT_LOCKOUT,
): Date | null {
  const times = failures.map((f) => f.getTime()).sort((a, b) => a - b);
  let until: number | null = null;
  for (let i = policy.maxFailures - 1; i < times.length; i++) {
    if (times[i] - times[i - policy.maxFailures + 1] <= policy.windowMs) {
      until = Math.max(until ?? 0, times[i] + policy.lockMs);
    }
  }
  return until !== null && until > now.getTime() ? new Date(until) : null;
}

/** How far back failures can matter: a window and a lock. */
export const lockoutLookbackMs = (policy: LockoutPolicy = DEFAULT_LOCKOUT) => policy.windowMs + policy.lockMs;
