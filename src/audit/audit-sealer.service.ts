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

/**
 * Seals the audit chain in the background every AUDIT_SEAL_INTERVAL_MS, one round at a time, and
 * once more on shutdown. Request handlers never wait for it. While the database cannot be reached,
 * each round fails and the next one tries again: the outage is logged once when it starts and once
 * when sealing works again, not every round.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  /** When the rounds began failing because the database cannot be reached. */
  private unavailableSince?: number;

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

  /** A last round while the pool is still open (Nest closes it in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.tick();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.audit.sealPending().then(
      () => {
        if (this.unavailableSince === undefined) return;
        const ms = Date.now() - this.unavailableSince;
        this.unavailableSince = undefined;
        this.logger.log({ unavailableMs: ms }, 'audit sealing works again');
      },
      (error: unknown) => {
        if (!isDatabaseUnavailable(error)) {
          this.logger.error({ err: error }, 'audit sealing round failed; it will be retried');
        } else if (this.unavailableSince === undefined) {
          this.unavailableSince = Date.now();
          const err = error instanceof Error ? error.message : String(error);
          this.logger.warn({ err }, 'audit sealing paused: the database cannot be reached; retrying');
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
