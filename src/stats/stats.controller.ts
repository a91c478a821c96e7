import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorators';
import { Role } from '../auth/principal';
import { todayIn } from '../rules/rules';
import { StatsOverviewDto } from './stats.dto';
import { StatsRepository } from './stats.repository';

@ApiTags('stats')
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsRepository) {}

  /** Counts only: no subject is named, so any member of staff may read them. */
  @Get('overview')
  @Access({ roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.REVIEWER, Role.AUDITOR] })
  @ApiOperation({ summary: 'The dashboard: entries in force by list, cases per month, checks per day' })
  @ApiOkResponse({ type: StatsOverviewDto })
  getStatsOverview(): Promise<StatsOverviewDto> {
    return this.stats.overview(todayIn());
  }
}
