import { HttpStatus, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { actorOf, AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { RequestContext } from '../../common/request-context';
import { Transactions } from '../../database/transactions';
import { PersonalDataProtector } from '../../personal-data/personal-data.protector';
import { todayIn } from '../../rules/rules';
import { knownAtOf, ScreeningService } from '../screening.service';
import { CertificateLanguage } from '../../receipts/certificate-pdf';
import { certificateZip } from '../../receipts/certificate-zip';
import { ReceiptKeys } from '../../receipts/receipt-keys';
import { CheckJobErrorCode, MAX_JOB_CERTIFICATES } from './check-job-columns';
import { readApplicantFile } from './check-job-file';
import { resultsCsv, resultsXlsx } from './check-job-results';
import { CheckJobRunner } from './check-job-runner';
import { CheckJobCreateDto, CheckJobResponseDto } from './check-jobs.dto';
import {
  CheckJobInsert,
  CheckJobRecord,
  CheckJobResultRow,
  CheckJobsRepository,
} from './check-jobs.repository';

/** An uploaded file as the controller read it. */
export interface CheckJobUpload {
  fileName: string;
  buffer: Buffer;
}

const RESULTS_PAGE = 5000;

export function toCheckJobDto(job: CheckJobRecord): CheckJobResponseDto {
  return {
    id: job.id,
    status: job.status,
    domain: job.domain,
    asOf: job.asOf,
    purpose: job.purpose,
    reference: job.reference,
    lookbackYears: job.lookbackYears,
    fileName: job.fileName,
    format: job.format,
    rowsTotal: job.rowsTotal,
    rowsDone: job.rowsDone,
    counts: job.counts,
    checkIds: job.checkIds,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Check jobs: a whole applicant list uploaded as a file, stored and audited as a job, checked in the
 * background by CheckJobRunner, its results read back as CSV or XLSX in the input order.
 */
@Injectable()
export class CheckJobsService {
  constructor(
    private readonly repository: CheckJobsRepository,
    private readonly runner: CheckJobRunner,
    private readonly screening: ScreeningService,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly keys: ReceiptKeys,
  ) {}

  /**
   * Reads the file, stores the job QUEUED with its audit entry in one transaction, and hands it to
   * the runner. The day asked about is fixed now, so a job running past midnight answers one day.
   * @throws AppError 400 for an unknown domain or a bad file (docs/screening.md), 413 over 100,000
   * rows, 503 when this process holds too many jobs.
   */
  async create(
    ctx: RequestContext,
    fields: CheckJobCreateDto,
    upload: CheckJobUpload,
  ): Promise<CheckJobResponseDto> {
    this.runner.assertRoom();
    const asOf = fields.asOf ?? todayIn();
    // Fixed now like asOf, so that every part of a long job judges the same registry.
    const knownAt = knownAtOf(fields.knownAt, new Date());
    await this.screening.rulesFor(asOf, fields.domain, knownAt);
    const file = await readApplicantFile(upload.buffer, (type, value) => this.protector.mask(type, value));

    const { actorType, actorId, actorName } = actorOf(ctx.principal);
    const job: CheckJobInsert = {
      id: randomUUID(),
      actorType,
      actorId,
      actorName,
      domain: fields.domain,
      asOf,
      purpose: fields.purpose,
      reference: fields.reference ?? null,
      lookbackYears: fields.lookbackYears ?? null,
      fileName: upload.fileName,
      format: file.format,
      columns: file.columns.map((c) => ({ key: c.key, header: c.header })),
      rowsTotal: file.rows.length,
      counts: { BLOCK: 0, REVIEW: 0, CLEAR: 0, ERROR: 0 },
    };
    await this.tx.run(async (m) => {
      await this.repository.insert(m, job);
      await this.audit.record(m, ctx, {
        action: 'CHECK_JOB_CREATED',
        targetType: 'CHECK_JOB',
        targetId: job.id,
        purpose: job.purpose,
        changes: {
          domain: job.domain,
          asOf,
          knownAt,
          reference: job.reference,
          lookbackYears: job.lookbackYears,
          fileName: job.fileName,
          format: job.format,
          rowsTotal: job.rowsTotal,
        },
      });
    });
    const stored = await this.repository.find(job.id);
    this.runner.enqueue({
      id: job.id,
      ctx,
      params: {
        domain: job.domain,
        asOf,
        knownAt,
        purpose: job.purpose,
        reference: fields.reference,
        lookbackYears: fields.lookbackYears,
      },
      rows: file.rows,
    });
    return toCheckJobDto(stored!);
  }

  /** @throws AppError 404 for an unknown job, or another API client's. */
  async get(ctx: RequestContext, id: string): Promise<CheckJobRecord> {
    const job = await this.repository.find(id);
    if (!job || (ctx.principal?.kind === 'API_CLIENT' && job.actorId !== ctx.principal.id)) {
      throw AppError.notFound(CheckJobErrorCode.CHECK_JOB_NOT_FOUND, `No check job has id ${id}`);
    }
    return job;
  }

  /**
   * The results file, streamed page by page: the input columns as uploaded (ID numbers masked), then
   * verdict, reasons, incentive, underObjection and error.
   * @throws AppError 409 CHECK_JOB_NOT_DONE until the job is DONE; 410 CHECK_JOB_FILES_PURGED after
   *   CHECK_JOB_FILE_RETENTION_DAYS.
   */
  async results(
    ctx: RequestContext,
    id: string,
    format?: 'csv' | 'xlsx',
  ): Promise<{ stream: Readable; format: 'csv' | 'xlsx' }> {
    const job = await this.get(ctx, id);
    if (job.status !== 'DONE') {
      throw AppError.conflict(
        CheckJobErrorCode.CHECK_JOB_NOT_DONE,
        job.status === 'FAILED'
          ? `The check job failed, it has no results file: ${job.error ?? ''}`
          : `The check job is ${job.status} (${job.rowsDone} of ${job.rowsTotal} rows): try again when it is DONE`,
      );
    }
    if (job.filesPurgedAt) {
      throw new AppError(
        HttpStatus.GONE,
        CheckJobErrorCode.CHECK_JOB_FILES_PURGED,
        `The results of this job were deleted on ${job.filesPurgedAt.toISOString()}, at the end of their retention period`,
      );
    }
    const chosen = format ?? (job.format === 'XLSX' ? 'xlsx' : 'csv');
    const headers = job.columns.map((c) => c.header);
    const pages = this.pages(id);
    return {
      stream: chosen === 'xlsx' ? resultsXlsx(headers, pages) : resultsCsv(headers, pages),
      format: chosen,
    };
  }

  /**
   * The certificates of a DONE job as a ZIP, one per applicant, with a signed manifest (see
   * certificateZip). Each check read is audited as a read of its receipt (CHECK_READ).
   * @throws AppError 409 CHECK_JOB_NOT_DONE until the job is DONE, 409 CHECK_JOB_TOO_MANY_CERTIFICATES
   * over MAX_JOB_CERTIFICATES rows.
   */
  async certificates(ctx: RequestContext, id: string, lang: CertificateLanguage): Promise<Readable> {
    const job = await this.get(ctx, id);
    if (job.status !== 'DONE') {
      throw AppError.conflict(
        CheckJobErrorCode.CHECK_JOB_NOT_DONE,
        `The check job is ${job.status}: certificates are made once it is DONE`,
      );
    }
    if (job.rowsTotal > MAX_JOB_CERTIFICATES) {
      throw AppError.conflict(
        CheckJobErrorCode.CHECK_JOB_TOO_MANY_CERTIFICATES,
        `The job has ${job.rowsTotal} rows: a ZIP of certificates holds at most ${MAX_JOB_CERTIFICATES} ` +
          '(GET /api/v1/checks/{id}/certificate.pdf gives any one of them)',
      );
    }
    const screening = this.screening;
    return certificateZip({
      job: {
        id: job.id,
        purpose: job.purpose,
        reference: job.reference,
        domain: job.domain,
        asOf: job.asOf,
        rowsTotal: job.rowsTotal,
      },
      lang,
      baseUrl: screening.publicBaseUrl,
      receipts: (async function* () {
        for (const checkId of job.checkIds)
          yield screening.signedReceipt(await screening.receipt(ctx, checkId));
      })(),
      sign: (document) => this.keys.sign(document),
    });
  }

  private async *pages(id: string): AsyncGenerator<CheckJobResultRow[]> {
    let after = -1;
    for (;;) {
      const page = await this.repository.results(id, after, RESULTS_PAGE);
      if (page.length > 0) yield page;
      if (page.length < RESULTS_PAGE) return;
      after = page[page.length - 1].position;
    }
  }
}
