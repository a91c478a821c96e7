import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { nullAs, toNumber } from './transforms';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE = 1_000_000;

/**
 * `page` (from 1 to MAX_PAGE) and `pageSize` (1–100, default 20) of every paginated list; filters
 * extend it. In a JSON body (the subject search) `null` takes the default, as when left out.
 */
export class PageQueryDto {
  /** Bounded so that the offset stays a whole number PostgreSQL takes (1e308 is an integer to JavaScript). */
  @ApiPropertyOptional({ type: Number, default: 1, minimum: 1, maximum: MAX_PAGE })
  @IsOptional()
  @Transform(toNumber)
  @Transform(nullAs(1))
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page = 1;

  @ApiPropertyOptional({ type: Number, default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Transform(toNumber)
  @Transform(nullAs(20))
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize = 20;

  get offset(): number {
    return (this.page - 1) * this.pageSize;
  }
}
