import { Module } from '@nestjs/common';
import { RulesModule } from '../rules/rules.module';
import { ScreeningController } from './screening.controller';
import { ScreeningRepository } from './screening.repository';
import { ScreeningService } from './screening.service';

@Module({
  controllers: [ScreeningController],
  imports: [RulesModule],
  providers: [ScreeningRepository, ScreeningService],
})
export class ScreeningModule {}
