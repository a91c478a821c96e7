import { Module } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';

/** Aggregate figures for the console's dashboard. */
@Module({
  controllers: [StatsController],
  providers: [StatsRepository],
})
export class StatsModule {}
