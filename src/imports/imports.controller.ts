import { Controller, Get, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import { createValidationPipe } from '../common/errors/validation';
import type { RequestContext } from '../common/request-context';
import { XLSX_CONTENT_TYPE } from '../common/table-files';
import { RulesService } from '../rules/rules.service';
import { readUpload } from '../screening/jobs/upload';
import { MAX_IMPORT_ROWS } from './import-columns';
import { templateCsv, templateXlsx } from './import-template';
import { IMPORT_FORM_SCHEMA, ImportCreateDto, ImportReportDto, ImportTemplateQueryDto } from './imports.dto';
import { ImportsService } from './imports.service';

const RECORDERS = { roles: [Role.RECORDER], scopes: [Scope.RECORDS_WRITE] };

const validation = createValidationPipe();

@ApiTags('imports')
@Controller('imports/decisions')
export class ImportsController {
  constructor(
    private readonly imports: ImportsService,
    private readonly rules: RulesService,
  ) {}

  @Get('template')
  @Access(RECORDERS)
  @ApiOperation({
    summary:
      'The import template: header row and an example row (XLSX: a second sheet documents the columns)',
    description: 'Columns and allowed values are in docs/integration.md, "Bulk import".',
  })
  @ApiProduces('text/csv', XLSX_CONTENT_TYPE)
  async getImportTemplate(@Query() query: ImportTemplateQueryDto): Promise<StreamableFile> {
    const xlsx = query.format === 'xlsx';
    const body = xlsx ? await templateXlsx((await this.rules.inForce()).data) : templateCsv();
    return new StreamableFile(body, {
      type: xlsx ? XLSX_CONTENT_TYPE : 'text/csv; charset=utf-8',
      disposition: `attachment; filename="decisions-import-template.${query.format}"`,
    });
  }

  @Post()
  @Access(RECORDERS)
  @ApiOperation({
    summary: `Import historical decisions from CSV or XLSX (up to ${MAX_IMPORT_ROWS} rows): dry run, or all or nothing`,
    description:
      'Each row is one subject of a decision with at most one measure; rows with the same authority and decision ' +
      'number are one case. Each row is validated as POST /api/v1/cases validates a case, so its problems carry ' +
      'the same codes. dryRun=true answers 200 with the report and records nothing. dryRun=false records every ' +
      'row in one transaction and answers 201, or, if any row has a problem, records nothing and answers 422 ' +
      'IMPORT_ROWS_INVALID with each problem in `details` (row in `context.row`). Rows of a decision already ' +
      'recorded the same way are UNCHANGED; rows that differ from it are IMPORT_ROW_CONFLICT. List entries the ' +
      'measures imply are PROPOSED, for another user to approve.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: IMPORT_FORM_SCHEMA })
  @ApiOkResponse({ type: ImportReportDto, description: 'Dry run' })
  @ApiCreatedResponse({ type: ImportReportDto, description: 'Recorded' })
  @ApiResponse({ status: 422, description: 'IMPORT_ROWS_INVALID: nothing recorded' })
  async importDecisions(
    @Ctx() ctx: RequestContext,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { fields, upload } = await readUpload(request, {
      form: 'the field dryRun (true or false)',
      file: 'the decisions (CSV or XLSX)',
    });
    const dto = (await validation.transform(fields, {
      type: 'body',
      metatype: ImportCreateDto,
    })) as ImportCreateDto;
    const dryRun = dto.dryRun === 'true';
    const report: ImportReportDto = await this.imports.run(ctx, upload, dryRun);
    // Sent here: a handler's status is fixed per route, and a dry run creates nothing.
    await reply.status(dryRun ? 200 : 201).send(report);
  }
}
