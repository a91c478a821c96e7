import { QueryFailedError } from 'typeorm';

export const PG_UNIQUE_VIOLATION = '23505';

/** The unique index or constraint a PostgreSQL unique violation names, or undefined for any other error. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; constraint?: string } | undefined;
  return driver?.code === PG_UNIQUE_VIOLATION ? (driver.constraint ?? '') : undefined;
}

/**
 * Runs `work`; when it fails on a unique violation of `constraint` (the loser of two concurrent
 * writes a pre-check could not tell apart), `explain` is given the chance to throw the answer the
 * pre-check would have given. The original error is thrown when it does not.
 */
export async function explainUniqueViolation<T>(
  constraint: string,
  work: () => Promise<T>,
  explain: () => Promise<void>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (violatedUniqueConstraint(error) === constraint) await explain();
    throw error;
  }
}

/**
 * Runs `work` again, up to `attempts` times in all, while it fails on a unique violation of one of
 * `constraints`: work that checks the database and then writes (in a transaction of its own each
 * time) sees, on the next run, the write it lost the race to. Any other error, or the last
 * attempt's, is thrown.
 */
export async function retryUniqueViolations<T>(
  constraints: ReadonlySet<string>,
  attempts: number,
  work: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const violated = violatedUniqueConstraint(error);
      if (attempt >= attempts || violated === undefined || !constraints.has(violated)) throw error;
    }
  }
}
