import { Module } from '@nestjs/common';
import { ListingsModule } from '../listings/listings.module';
import { HousekeepingRepository } from './housekeeping.repository';
import { HousekeepingScheduler } from './housekeeping.scheduler';
import { HousekeepingService } from './housekeeping.service';

@Module({
  exports: [HousekeepingService],
  imports: [ListingsModule],
  providers: [HousekeepingRepository, HousekeepingScheduler, HousekeepingService],
})
export class HousekeepingModule {}
