import { applyDecorators, Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/access.decorators';
import { PublicRateLimit } from '../auth/rate-limit';
import { csvLine } from '../common/csv';
import { sendCacheable } from '../common/http-cache';
import { identifierCell } from '../identifiers/identifiers';
import { todayIn } from '../rules/rules';
import {
  PublicEntryDto,
  PublicEntryExportQueryDto,
  PublicEntryPageDto,
  PublicEntryQueryDto,
  PublicVerifyDto,
  PublicVerifyResponseDto,
} from './disclosure.dto';
import { DisclosureService, PublicEntry } from './disclosure.service';

const CSV_COLUMNS = [
  'id',
  'listType',
  'subjectKind',
  'name',
  'organisation',
  'identifiers',
  'authority',
  'decisionNumber',
  'decisionDate',
  'legalBasis',
  'misconductTypes',
  'effectiveFrom',
  'effectiveTo',
  'publicUntil',
] as const;

const csvRow = (e: PublicEntry): string =>
  csvLine([
    e.id,
    e.listType,
    e.subjectKind,
    e.name,
    e.organisation,
    e.identifiers.map((i) => identifierCell(i.type, i.issuingCountry, i.masked)).join(' '),
    e.authority,
    e.decisionNumber,
    e.decisionDate,
    e.legalBasis,
    e.misconductTypes.join(' '),
    e.effectiveFrom,
    e.effectiveTo,
    e.publicUntil,
  ]);

/** The conditional-request headers a GET here honours, and its 304. */
const Conditional = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'An ETag from an earlier answer: 304 if unchanged',
    }),
    ApiHeader({
      name: 'If-Modified-Since',
      required: false,
      description: 'Last-Modified of an earlier answer: 304 if unchanged (ignored with If-None-Match)',
    }),
    ApiNotModifiedResponse({ description: 'The validators sent still hold' }),
  );

/**
 * Public disclosure (公示): the entries the rules make public, without credentials, rate-limited per
 * address, with ETag and Last-Modified so a portal can mirror them cheaply (docs/integration.md).
 */
@ApiTags('public')
@Controller('public')
@Public()
@PublicRateLimit()
@ApiTooManyRequestsResponse({ description: '429 RATE_LIMITED, with Retry-After' })
export class DisclosureController {
  constructor(private readonly disclosure: DisclosureService) {}

  @Get('entries')
  @ApiOperation({
    summary:
      'Entries shown publicly today: BLACK during its publicity term, RED in force; identifiers masked',
  })
  @ApiOkResponse({ type: PublicEntryPageDto })
  @Conditional()
  async getPublicEntries(
    @Query() q: PublicEntryQueryDto,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const today = todayIn();
    const { entries: all, lastModified } = await this.disclosure.entries(q, today);
    const page: PublicEntryPageDto = {
      items: all.slice(q.offset, q.offset + q.pageSize) satisfies PublicEntryDto[],
      total: all.length,
      page: q.page,
      pageSize: q.pageSize,
      asOf: today,
    };
    return sendCacheable(req, reply, JSON.stringify(page), lastModified, {
      'content-type': 'application/json; charset=utf-8',
    });
  }

  @Get('entries/export')
  @ApiOperation({ summary: 'Every entry shown publicly today, filtered, as one JSON array or CSV file' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: [PublicEntryDto] })
  @Conditional()
  async exportPublicEntries(
    @Query() q: PublicEntryExportQueryDto,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const today = todayIn();
    const { entries: all, lastModified } = await this.disclosure.entries(q, today);
    const csv = q.format === 'csv';
    // A BOM so spreadsheet programs read the Chinese text as UTF-8.
    const body = csv ? '\uFEFF' + csvLine(CSV_COLUMNS) + all.map(csvRow).join('') : JSON.stringify(all);
    return sendCacheable(req, reply, body, lastModified, {
      'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="public-entries-${today}.${csv ? 'csv' : 'json'}"`,
    });
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Is a subject with exactly this identifier on a public list today? Nothing else is revealed',
    description: 'The identifier goes in the body, never in the URL, so it stays out of logs and caches.',
  })
  @ApiOkResponse({ type: PublicVerifyResponseDto })
  async verifyPublicIdentifier(@Body() body: PublicVerifyDto): Promise<PublicVerifyResponseDto> {
    const lists = await this.disclosure.verify(body.type, body.value, body.issuingCountry);
    return { listed: lists.length > 0, lists };
  }
}
