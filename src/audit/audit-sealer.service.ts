import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Env } from '../config/env';
import { AuditService } from './audit.service';

/**
 * Seals the audit chain in the background every AUDIT_SEAL_INTERVAL_MS, one round at a time, and
 * once more on shutdown. Request handlers never wait for it.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

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
    this.running = this.audit.sealPending().catch((error: unknown) => {
      this.logger.error({ err: error }, 'audit sealing round failed; it will be retried');
    });
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
