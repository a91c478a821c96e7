import { ApiProperty } from '@nestjs/swagger';
import { LIST_TYPES } from '../listings/listing-lifecycle';

export class ListCountDto {
  @ApiProperty({ enum: LIST_TYPES }) listType: string;
  @ApiProperty() entries: number;
}

export class MonthCountDto {
  @ApiProperty({ example: '2026-11' }) month: string;
  @ApiProperty() cases: number;
}

export class VerdictMixDto {
  @ApiProperty() BLOCK: number;
  @ApiProperty() REVIEW: number;
  @ApiProperty() CLEAR: number;
  @ApiProperty() ERROR: number;
}

export class DayChecksDto {
  @ApiProperty({ example: '2026-12-01' }) day: string;
  @ApiProperty({ description: 'Checks run that day (China calendar)' }) checks: number;
  @ApiProperty({ description: 'Applicants checked' }) applicants: number;
  @ApiProperty({ type: VerdictMixDto, description: 'Applicants by verdict' }) verdicts: VerdictMixDto;
}

export class StatsOverviewDto {
  @ApiProperty({ description: 'Valid time: the day the figures are for (today, China)' }) asOf: string;
  @ApiProperty({
    type: [ListCountDto],
    description: 'Approved entries in force on asOf by list, as the registry knows them now',
  })
  listsInForce: ListCountDto[];
  @ApiProperty({
    type: [MonthCountDto],
    description: 'Decided cases by the month of their decision date, the last 12 months',
  })
  casesPerMonth: MonthCountDto[];
  @ApiProperty({ type: [DayChecksDto], description: 'Checks by day, the last 30 days' })
  checksPerDay: DayChecksDto[];
}
