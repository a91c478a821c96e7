import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { isDatabaseUnavailable } from '../common/errors/database-unavailable';
import { Env } from '../config/env';
import { AuditService } from './audit.service';

/** Longest wait between two rounds while they keep failing (the database is down). */
export const SEAL_MAX_BACKOFF_MS = 30_000;

/**
 * Seals the audit chain in the background every AUDIT_SEAL_INTERVAL_MS, one round at a time, and
 * once more on shutdown. Request handlers never wait for it. While rounds fail (the database is
 * unreachable) it backs off, doubling the wait up to SEAL_MAX_BACKOFF_MS, and says so once, not at
 * every round; the shutdown round is skipped then, so a dead database never holds a shutdown up.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private failures = 0;
  private notBefore = 0;

  constructor(
    private readonly audit: AuditService,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.env.AUDIT_SEAL_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * A last round while the pool is still open (Nest closes it in onApplicationShutdown), unless the
   * last one failed: the next start seals what is left.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.failures > 0) {
      this.logger.warn(`audit sealing failing (${this.failures} rounds): no last round at shutdown`);
      return;
    }
    await this.tick();
  }

  private async tick(): Promise<void> {
    if (this.running || Date.now() < this.notBefore) return;
    this.running = this.audit.sealPending().then(
      () => {
        if (this.failures > 0)
          this.logger.log(`audit sealing works again after ${this.failures} failed rounds`);
        this.failures = 0;
        this.notBefore = 0;
      },
      (error: unknown) => {
        this.failures++;
        const backoff = Math.min(SEAL_MAX_BACKOFF_MS, this.env.AUDIT_SEAL_INTERVAL_MS * 2 ** this.failures);
        this.notBefore = Date.now() + backoff;
        if (this.failures === 1 && isDatabaseUnavailable(error)) {
          const err = error instanceof Error ? error.message : String(error);
          this.logger.warn(
            { err },
            'audit sealing paused: the database cannot be reached; retrying with back-off',
          );
        } else if (this.failures === 1) {
          this.logger.error(
            { err: error },
            'audit sealing round failed; retrying with back-off until it works',
          );
        } else {
          this.logger.debug(
            { err: error, failures: this.failures, backoffMs: backoff },
            'audit sealing round failed',
          );
        }
      },
    );
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
