import { Module } from '@nestjs/common';
import { ReceiptsModule } from '../receipts/receipts.module';
import { RulesModule } from '../rules/rules.module';
import { CheckJobRunner } from './jobs/check-job-runner';
import { CheckJobsController } from './jobs/check-jobs.controller';
import { CheckJobsRepository } from './jobs/check-jobs.repository';
import { CheckJobsService } from './jobs/check-jobs.service';
import { ScreeningController } from './screening.controller';
import { ScreeningRepository } from './screening.repository';
import { ScreeningService } from './screening.service';

@Module({
  controllers: [CheckJobsController, ScreeningController],
  exports: [ScreeningService],
  imports: [ReceiptsModule, RulesModule],
  providers: [CheckJobRunner, CheckJobsRepository, CheckJobsService, ScreeningRepository, ScreeningService],
})
export class ScreeningModule {}
