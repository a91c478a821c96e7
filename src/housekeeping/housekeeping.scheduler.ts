import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Env } from '../config/env';
import { HousekeepingService } from './housekeeping.service';

/**
 * Runs housekeeping every HOUSEKEEPING_INTERVAL_MINUTES (0: never), one run at a time, like the audit
 * sealer: a plain interval, as the task needs no calendar. A failed run is logged and tried again at
 * the next tick; shutdown waits for a run under way.
 */
@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HousekeepingScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly housekeeping: HousekeepingService,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.HOUSEKEEPING_INTERVAL_MINUTES === 0) return;
    this.timer = setInterval(() => void this.tick(), this.env.HOUSEKEEPING_INTERVAL_MINUTES * 60_000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.housekeeping
      .run()
      .then((report) => {
        this.logger.log(
          { expiredListings: report.expiredListings.length, purged: report.purged, skipped: report.skipped },
          'housekeeping done',
        );
      })
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'housekeeping failed; it runs again at the next interval');
      });
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
