import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AuditService } from '../audit/audit.service';
import { IDENTIFIER_REVEALER_ROLES, isAllowed, Scope } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import type { RequestContext } from '../common/request-context';
import { csvFile, PAGED, xlsxFile, XLSX_CONTENT_TYPE } from '../common/table-files';
import { Env } from '../config/env';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { exportRecord, ExportState, exportTable } from './export-rows';
import { ExportsRepository } from './exports.repository';
import {
  DATASET_ENTITY,
  ExportDataset,
  ExportErrorCode,
  ExportFormat,
  ExportIdentifiers,
} from './exports.types';

/** Records fetched from the cursor at a time: a page is all the server holds of an export. */
const PAGE_SIZE = 1000;

/** Who may export full identifiers: those who may reveal them, and systems that mirror them from the feed. */
const FULL_IDENTIFIER_READERS = { roles: [...IDENTIFIER_REVEALER_ROLES], scopes: [Scope.CHANGES_READ] };

const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: XLSX_CONTENT_TYPE,
  ndjson: 'application/x-ndjson; charset=utf-8',
};

export interface ExportRequest {
  dataset: ExportDataset;
  format: ExportFormat;
  identifiers: ExportIdentifiers;
  purpose?: string;
}

export interface ExportFile {
  stream: Readable;
  contentType: string;
  fileName: string;
  asOf: Date;
  changeCursor: string;
}

/**
 * Bulk exports (docs/integration.md, "Bulk export"): every record of a dataset from one snapshot,
 * streamed as it is read, at most EXPORT_MAX_CONCURRENT at a time in this instance. Each export is
 * audited when it starts (before any record leaves) and when it ends (rows written, whether the
 * reader took the whole file).
 */
@Injectable()
export class ExportsService {
  private readonly logger = new Logger(ExportsService.name);
  private running = 0;

  constructor(
    private readonly repository: ExportsRepository,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
    private readonly env: Env,
  ) {}

  /** Exports running in this instance now. */
  get active(): number {
    return this.running;
  }

  /**
   * Opens the snapshot and answers the file, whose records are read as the reader takes them.
   * @throws AppError 403 EXPORT_IDENTIFIERS_FORBIDDEN, 400 EXPORT_PURPOSE_REQUIRED or
   *   EXPORT_IDENTIFIERS_NOT_APPLICABLE for full identifiers not allowed, unexplained or meaningless;
   *   503 EXPORT_CAPACITY_REACHED when EXPORT_MAX_CONCURRENT exports already run here.
   */
  async start(ctx: RequestContext, request: ExportRequest): Promise<ExportFile> {
    this.assertAllowed(ctx, request);
    if (this.running >= this.env.EXPORT_MAX_CONCURRENT) {
      throw new AppError(
        HttpStatus.SERVICE_UNAVAILABLE,
        ExportErrorCode.EXPORT_CAPACITY_REACHED,
        `${this.running} exports are running on this server, the most it allows (EXPORT_MAX_CONCURRENT): try again shortly`,
      );
    }
    this.running++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      this.running--;
    };
    try {
      return await this.open(ctx, request, done);
    } catch (error) {
      done();
      throw error;
    }
  }

  private assertAllowed(ctx: RequestContext, { dataset, identifiers, purpose }: ExportRequest): void {
    if (identifiers !== 'full') return;
    if (!ctx.principal || !isAllowed(ctx.principal, FULL_IDENTIFIER_READERS)) {
      throw new AppError(
        HttpStatus.FORBIDDEN,
        ExportErrorCode.EXPORT_IDENTIFIERS_FORBIDDEN,
        'Full identifiers are exported only for RECORDER, APPROVER and ADMIN users and changes:read clients',
        [
          {
            field: 'identifiers',
            code: ExportErrorCode.EXPORT_IDENTIFIERS_FORBIDDEN,
            message: 'ask for identifiers=masked',
          },
        ],
      );
    }
    if (dataset !== 'subjects') {
      throw AppError.badRequest(
        ExportErrorCode.EXPORT_IDENTIFIERS_NOT_APPLICABLE,
        `Only subjects carry identifiers; ${dataset} name subjects by id`,
        'identifiers',
      );
    }
    if (!purpose) {
      throw AppError.badRequest(
        ExportErrorCode.EXPORT_PURPOSE_REQUIRED,
        'Say why full identifiers are exported (purpose): the export is audited with it',
        'purpose',
      );
    }
  }

  private async open(ctx: RequestContext, request: ExportRequest, done: () => void): Promise<ExportFile> {
    const { dataset, format, identifiers, purpose } = request;
    const snapshot = await this.repository.openSnapshot();
    const described = {
      dataset,
      format,
      identifiers,
      asOf: snapshot.asOf,
      changeCursor: snapshot.changeCursor,
    };
    try {
      // Durable before the first record leaves: a read of personal data is never left unrecorded.
      await this.audit.recordGrouped(ctx, {
        action: 'EXPORT_STARTED',
        targetType: 'EXPORT',
        targetId: dataset,
        purpose,
        changes: described,
      });
    } catch (error) {
      await snapshot.release();
      throw error;
    }

    let rows = 0;
    // The next page is read when the reader asks for more: a page left waiting EXPORT_IDLE_TIMEOUT_MS ends it.
    let idle: NodeJS.Timeout | undefined;
    const stalled = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => stream.destroy(new Error(`export reader idle for ${this.env.EXPORT_IDLE_TIMEOUT_MS} ms`)),
        this.env.EXPORT_IDLE_TIMEOUT_MS,
      ).unref();
    };
    const reveal = identifiers === 'full' ? this.protector : undefined;
    const records = (async function* (): AsyncGenerator<ExportState[]> {
      for await (const page of snapshot.pages(DATASET_ENTITY[dataset], PAGE_SIZE)) {
        rows += page.length;
        const shaped = page.map((state) => exportRecord(dataset, state, reveal));
        stalled();
        yield shaped;
        clearTimeout(idle);
      }
    })();
    const stream = this.encode(request, records, () => [
      ['dataset', dataset],
      ['identifiers', identifiers],
      ['asOf', snapshot.asOf.toISOString()],
      ['changeCursor', snapshot.changeCursor],
      ['rows', rows],
    ]);

    // 'close' comes after the end, a failure, or the reader going away, even if no page was read.
    let ended = false;
    stream.once('end', () => (ended = true));
    stream.once('close', () => {
      clearTimeout(idle);
      void (async () => {
        await snapshot.release();
        done();
        await this.audit.recordGrouped(ctx, {
          action: 'EXPORT_FINISHED',
          targetType: 'EXPORT',
          targetId: dataset,
          purpose,
          changes: { dataset, format, identifiers, rows, complete: ended },
        });
      })().catch((error: unknown) => this.logger.error({ err: error }, 'export: closing failed'));
    });

    return {
      stream,
      contentType: CONTENT_TYPES[format],
      fileName: `registry-${dataset}-${snapshot.asOf.toISOString().replace(/[-:]|\.\d+/g, '')}.${format}`,
      asOf: snapshot.asOf,
      changeCursor: snapshot.changeCursor,
    };
  }

  private encode(
    { dataset, format, identifiers }: ExportRequest,
    records: AsyncGenerator<ExportState[]>,
    summary: () => (string | number)[][],
  ): Readable {
    if (format === 'ndjson') {
      return Readable.from(
        (async function* () {
          for await (const page of records) yield page.map((r) => JSON.stringify(r) + '\n').join('');
        })(),
        PAGED,
      );
    }
    const table = exportTable(dataset, identifiers);
    const pages = (async function* () {
      for await (const page of records) yield page.map(table.cells);
    })();
    return format === 'csv'
      ? csvFile(table.header, pages)
      : xlsxFile(dataset, table.header, pages, { name: 'export', rows: summary });
  }
}
