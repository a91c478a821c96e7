import { HttpStatus } from '@nestjs/common';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { AppError } from '../../common/errors/app-error';
import {
  Cell,
  cellText,
  CheckJobErrorCode,
  JobColumn,
  JobRowInput,
  Masker,
  MAX_JOB_ROWS,
  quotable,
  readRow,
  resolveColumns,
} from './check-job-columns';

export type JobFileFormat = 'CSV' | 'XLSX';

/** The applicants of an uploaded file, in file order, with the columns they came in. */
export interface ApplicantFile {
  format: JobFileFormat;
  columns: JobColumn[];
  rows: JobRowInput[];
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** The old binary Excel format (.xls), which is not read. */
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/**
 * XLSX by its content (a ZIP archive), whatever the name says; anything else is read as CSV.
 * @throws AppError 400 for an old binary .xls file.
 */
export function detectFormat(buffer: Buffer): JobFileFormat {
  if (buffer.subarray(0, 4).equals(ZIP_MAGIC)) return 'XLSX';
  if (buffer.subarray(0, 4).equals(OLE2_MAGIC)) {
    throw AppError.badRequest(
      CheckJobErrorCode.CHECK_JOB_FILE_FORMAT,
      'The file is an old .xls workbook: save it as .xlsx or as CSV UTF-8',
      'file',
    );
  }
  return 'CSV';
}

const formatError = (message: string) =>
  AppError.badRequest(CheckJobErrorCode.CHECK_JOB_FILE_FORMAT, message, 'file');

/** A JSON string literal inside a message, such as csv-parse's `value is "…"`. */
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/**
 * Why a parser could not read the file, with every value it quotes masked where it could be an ID
 * number: csv-parse quotes the field it stopped in (`value is "110105…"`).
 */
const unreadable = (kind: 'CSV' | 'XLSX', error: unknown) =>
  formatError(
    `The ${kind} file cannot be read: ` +
      (error instanceof Error ? error.message : String(error)).replace(
        QUOTED,
        (quoted) => `"${quotable(quoted.slice(1, -1))}"`,
      ),
  );

async function* csvRows(buffer: Buffer): AsyncGenerator<Cell[]> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw AppError.badRequest(
      CheckJobErrorCode.CHECK_JOB_FILE_ENCODING,
      'The CSV file is not UTF-8 (a GBK export?): save it as "CSV UTF-8" or as .xlsx',
      'file',
    );
  }
  const parser = Readable.from([text]).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true }),
  );
  try {
    for await (const record of parser) yield record as string[];
  } catch (error) {
    throw unreadable('CSV', error);
  } finally {
    parser.destroy();
  }
}

/** The plain value of an exceljs cell: rich text joined, a formula's result, a hyperlink's text. */
function excelCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    return excelCell((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
  }
  if ('hyperlink' in value) return excelCell((value as ExcelJS.CellHyperlinkValue).text);
  return null; // an error value, or a kind the file has no text for
}

/** The first worksheet's rows, read as a stream (a whole annual call stays small in memory). */
async function* xlsxRows(buffer: Buffer): AsyncGenerator<Cell[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
    entries: 'ignore',
    hyperlinks: 'ignore',
    sharedStrings: 'cache',
    styles: 'ignore',
    worksheets: 'emit',
  });
  const rows: AsyncGenerator<ExcelJS.Row> = (async function* () {
    for await (const sheet of reader) {
      yield* sheet;
      return;
    }
  })();
  try {
    for (;;) {
      let next: IteratorResult<ExcelJS.Row>;
      try {
        next = await rows.next();
      } catch (error) {
        throw unreadable('XLSX', error);
      }
      if (next.done) return;
      // row.values is 1-based (index 0 is empty).
      const values = next.value.values as ExcelJS.CellValue[];
      yield values.slice(1).map(excelCell);
    }
  } finally {
    await rows.return(undefined);
  }
}

/**
 * The rows of an uploaded sheet, CSV (UTF-8) or the first worksheet of an XLSX file, as read; other
 * uploads (inspection pools) read their own columns from them.
 * @throws AppError 400 for an old .xls file; the rows throw 400 for an unreadable file.
 */
export function sheetRows(buffer: Buffer): { format: JobFileFormat; rows: AsyncGenerator<Cell[]> } {
  const format = detectFormat(buffer);
  return { format, rows: format === 'XLSX' ? xlsxRows(buffer) : csvRows(buffer) };
}

/**
 * Reads an uploaded applicant list: the first non-blank row is the header, each further row an
 * applicant (blank rows skipped).
 * @throws AppError 400 for an unreadable file, unknown or missing columns, no data row; 413 over
 * `maxRows` data rows (reading stops there).
 */
export async function readApplicantFile(
  buffer: Buffer,
  mask: Masker,
  maxRows = MAX_JOB_ROWS,
): Promise<ApplicantFile> {
  const sheet = sheetRows(buffer);
  const format = sheet.format;
  let columns: JobColumn[] | undefined;
  const rows: JobRowInput[] = [];
  const today = new Date();
  for await (const cells of sheet.rows) {
    if (!columns) {
      if (cells.some((c) => cellText(c) !== '')) {
        columns = resolveColumns(cells);
      }
      continue;
    }
    const row = readRow(cells, columns, mask, today);
    if (!row) continue;
    if (rows.length === maxRows) {
      throw new AppError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        CheckJobErrorCode.CHECK_JOB_TOO_MANY_ROWS,
        `The file has more than ${maxRows} applicants: split it into several jobs`,
      );
    }
    rows.push(row);
  }
  if (!columns) {
    throw AppError.badRequest(CheckJobErrorCode.CHECK_JOB_FILE_EMPTY, 'The file is empty', 'file');
  }
  if (rows.length === 0) {
    throw AppError.badRequest(
      CheckJobErrorCode.CHECK_JOB_FILE_EMPTY,
      'The file has a header row but no applicant',
      'file',
    );
  }
  return { format, columns, rows };
}
