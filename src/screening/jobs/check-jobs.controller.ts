import { createHash } from 'node:crypto';
import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, Ctx } from '../../auth/access.decorators';
import { Role, Scope } from '../../auth/principal';
import { XLSX_CONTENT_TYPE as XLSX_TYPE } from '../../common/table-files';
import { createValidationPipe } from '../../common/errors/validation';
import type { RequestContext } from '../../common/request-context';
import { UuidParam } from '../../common/uuid-param';
import { MAX_JOB_CERTIFICATES, MAX_JOB_ROWS } from './check-job-columns';
import { certificateLanguage } from '../../receipts/certificate-pdf';
import {
  CHECK_JOB_FORM_SCHEMA,
  CheckJobCertificatesQueryDto,
  CheckJobCreateDto,
  CheckJobResponseDto,
  CheckJobResultsQueryDto,
} from './check-jobs.dto';
import { CheckJobsService, toCheckJobDto } from './check-jobs.service';
import { readUpload } from './upload';
import { IdempotencyScope } from '../../idempotency/idempotency.interceptor';
import { Idempotent } from '../../idempotency/idempotent.decorator';

const RUNNERS = { roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] };

const validation = createValidationPipe();

@ApiTags('checks')
@Controller('checks/jobs')
export class CheckJobsController {
  constructor(private readonly jobs: CheckJobsService) {}

  @Post()
  @Idempotent({ fingerprint: 'handler' })
  @HttpCode(202)
  @Access(RUNNERS)
  @ApiOperation({
    summary: `Check a whole applicant list (CSV or XLSX, up to ${MAX_JOB_ROWS} rows) in the background`,
    description:
      'Answers 202 with the job at once; poll GET /api/v1/checks/jobs/{id}, then fetch the results file. ' +
      'Columns (English or Chinese headers) are in docs/screening.md. A bad value in a row makes that row ' +
      'ERROR; an unknown header, a missing name column or an empty file is a 400. Each chunk of up to 5,000 ' +
      'rows is a stored, audited check.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: CHECK_JOB_FORM_SCHEMA })
  @ApiAcceptedResponse({ type: CheckJobResponseDto })
  async createCheckJob(
    @Ctx() ctx: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckJobResponseDto> {
    const { fields, upload } = await readUpload(request, {
      form: 'the fields domain, purpose (asOf, knownAt, reference, lookbackYears)',
      file: 'the applicant list (CSV or XLSX)',
    });
    await IdempotencyScope.fingerprint([
      fields,
      upload.fileName,
      createHash('sha256').update(upload.buffer).digest('hex'),
    ]);
    const dto = (await validation.transform(fields, {
      type: 'body',
      metatype: CheckJobCreateDto,
    })) as CheckJobCreateDto;
    const job = await this.jobs.create(ctx, dto, upload);
    void reply.header('location', `/api/v1/checks/jobs/${job.id}`);
    return job;
  }

  @Get(':id')
  @Access(RUNNERS)
  @ApiOperation({ summary: 'A check job: status, progress and counts (API clients: their own)' })
  @ApiOkResponse({ type: CheckJobResponseDto })
  async getCheckJob(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<CheckJobResponseDto> {
    return toCheckJobDto(await this.jobs.get(ctx, id));
  }

  @Get(':id/results')
  @Access(RUNNERS)
  @ApiOperation({
    summary: 'The results file of a DONE job, in the input order (409 CHECK_JOB_NOT_DONE before)',
    description:
      'The input columns as uploaded (ID numbers masked), then verdict, reasons, incentive, underObjection ' +
      'and error. CSV is UTF-8 with a BOM and guarded against formula injection.',
  })
  @ApiProduces('text/csv', XLSX_TYPE)
  async getCheckJobResults(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Query() query: CheckJobResultsQueryDto,
  ): Promise<StreamableFile> {
    const { stream, format } = await this.jobs.results(ctx, id, query.format);
    return new StreamableFile(stream, {
      type: format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8',
      disposition: `attachment; filename="check-job-${id}.${format}"`,
    });
  }

  @Get(':id/certificates.zip')
  @Access(RUNNERS)
  @ApiOperation({
    summary: `A DONE job's certificates as a ZIP, one PDF per applicant, with a signed manifest (up to ${MAX_JOB_CERTIFICATES} rows)`,
    description:
      'Each certificate is that of GET /api/v1/checks/{id}/certificate.pdf; manifest.json lists every file with its ' +
      'SHA-256, receipt id and applicant, and is signed like a receipt (POST /api/v1/receipts/verify). Rows refused ' +
      'as ERROR get no certificate. Streamed as the PDFs are made; each check read is audited (CHECK_READ).',
  })
  @ApiHeader({ name: 'accept-language', required: false, description: 'en for English; ?lang= wins' })
  @ApiProduces('application/zip')
  async getCheckJobCertificates(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Query() query: CheckJobCertificatesQueryDto,
    @Headers('accept-language') acceptLanguage?: string,
  ): Promise<StreamableFile> {
    const lang = certificateLanguage(query.lang, acceptLanguage);
    const stream = await this.jobs.certificates(ctx, id, lang);
    return new StreamableFile(stream, {
      type: 'application/zip',
      disposition: `attachment; filename="check-job-${id}-certificates.zip"`,
    });
  }
}
