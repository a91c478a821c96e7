import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { XLSX_CONTENT_TYPE } from '../common/table-files';
import {
  ExportCaseRecordDto,
  ExportEntryRecordDto,
  ExportMeasureRecordDto,
  ExportParamsDto,
  ExportQueryDto,
  ExportSubjectRecordDto,
} from './exports.dto';
import { ExportsService } from './exports.service';

const RECORDS = [ExportSubjectRecordDto, ExportCaseRecordDto, ExportMeasureRecordDto, ExportEntryRecordDto];

/** Who may export: staff who read records (and auditors), systems that read records or the feed. */
const EXPORTERS = {
  roles: [Role.RECORDER, Role.APPROVER, Role.AUDITOR],
  scopes: [Scope.RECORDS_READ, Scope.CHANGES_READ],
};

@ApiTags('exports')
@Controller('exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get(':dataset')
  @Access(EXPORTERS)
  @ApiOperation({
    summary: 'Every subject, case, measure or list entry, from one snapshot, streamed as CSV, XLSX or NDJSON',
    description:
      'All records are read inside one read-only REPEATABLE READ transaction: the file holds exactly what was ' +
      'committed at `X-Export-As-Of`, and reading the change feed after `X-Export-Change-Cursor` continues from it. ' +
      'Identifiers are masked unless `identifiers=full` (RECORDER, APPROVER, ADMIN, changes:read; with a `purpose`). ' +
      'Every export is audited (EXPORT_STARTED before the first record, EXPORT_FINISHED with the row count). ' +
      'REVIEWER may not export. 503 EXPORT_CAPACITY_REACHED (with Retry-After) while EXPORT_MAX_CONCURRENT run.',
  })
  @ApiProduces('text/csv', XLSX_CONTENT_TYPE, 'application/x-ndjson')
  @ApiExtraModels(...RECORDS)
  @ApiOkResponse({
    description: 'The file, as an attachment; with ndjson, one record a line',
    headers: {
      'X-Export-As-Of': { description: 'When the snapshot was taken (ISO 8601)', schema: { type: 'string' } },
      'X-Export-Change-Cursor': {
        description: 'The change feed cursor at the snapshot: GET /api/v1/changes?after= it to follow on',
        schema: { type: 'string' },
      },
    },
    content: {
      'text/csv': { schema: { type: 'string' } },
      [XLSX_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } },
      'application/x-ndjson': { schema: { oneOf: RECORDS.map((dto) => ({ $ref: getSchemaPath(dto) })) } },
    },
  })
  @ApiServiceUnavailableResponse({ description: '503 EXPORT_CAPACITY_REACHED, with Retry-After' })
  async exportDataset(
    @Ctx() ctx: RequestContext,
    @Param() params: ExportParamsDto,
    @Query() query: ExportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const file = await this.exports.start(ctx, { dataset: params.dataset, ...query });
    void reply.headers({
      'cache-control': 'no-store',
      'x-export-as-of': file.asOf.toISOString(),
      'x-export-change-cursor': file.changeCursor,
    });
    return new StreamableFile(file.stream, {
      type: file.contentType,
      disposition: `attachment; filename="${file.fileName}"`,
    });
  }
}
