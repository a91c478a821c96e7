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

/** A row of an uploaded sheet: its cells, and its line (CSV) or row number (XLSX), counting from 1. */
export interface SheetRow {
  line: number;
  cells: Cell[];
}

async function* csvRows(buffer: Buffer): AsyncGenerator<SheetRow> {
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
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>)
      yield { line: info.lines, cells: record };
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
async function* xlsxRows(buffer: Buffer): AsyncGenerator<SheetRow> {
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
      yield { line: next.value.number, cells: values.slice(1).map(excelCell) };
    }
  } finally {
    await rows.return(undefined);
  }
}

/**
 * The rows of an uploaded sheet as cells, in file order: the first worksheet of an XLSX workbook (read
 * as a stream, so a zip bomb is never unpacked whole), or the records of a UTF-8 CSV file.
 * @throws AppError 400 for a file that is not UTF-8 or cannot be read (values it quotes masked).
 */
export function sheetRows(buffer: Buffer, format: JobFileFormat): AsyncGenerator<SheetRow> {
  return format === 'XLSX' ? xlsxRows(buffer) : csvRows(buffer);
}

/** How `readSheet` reads one kind of uploaded sheet. */
export interface SheetReading<C, R> {
  /** The columns of the header row, the first row with a non-blank cell. */
  header: (cells: Cell[]) => C;
  /** A data row, or null for one with nothing in it (skipped, not counted). */
  row: (line: number, cells: Cell[], columns: C) => R | null;
  maxRows: number;
  /** Code and message of the 413 over `maxRows` data rows. */
  tooMany: { code: string; message: string };
  /** Code and messages of the 400 for a file without a header row or without a data row. */
  empty: { code: string; noHeader: string; noRows: string };
}

/**
 * Reads an uploaded sheet (format by content, see `detectFormat`) with `reading`'s header and rows.
 * @throws AppError 400 for an unreadable file, no header or no data row; 413 over `maxRows` data rows
 * (reading stops there, so a file of millions of rows is never held).
 */
export async function readSheet<C, R>(
  buffer: Buffer,
  reading: SheetReading<C, R>,
): Promise<{ format: JobFileFormat; columns: C; rows: R[] }> {
  const format = detectFormat(buffer);
  let columns: C | undefined;
  const rows: R[] = [];
  for await (const { line, cells } of sheetRows(buffer, format)) {
    if (columns === undefined) {
      if (cells.some((c) => cellText(c) !== '')) columns = reading.header(cells);
      continue;
    }
    const row = reading.row(line, cells, columns);
    if (!row) continue;
    if (rows.length === reading.maxRows) {
      throw new AppError(HttpStatus.PAYLOAD_TOO_LARGE, reading.tooMany.code, reading.tooMany.message);
    }
    rows.push(row);
  }
  if (columns === undefined) throw AppError.badRequest(reading.empty.code, reading.empty.noHeader, 'file');
  if (rows.length === 0) throw AppError.badRequest(reading.empty.code, reading.empty.noRows, 'file');
  return { format, columns, rows };
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
  const today = new Date();
  return readSheet(buffer, {
    header: resolveColumns,
    row: (_line, cells, columns) => readRow(cells, columns, mask, today),
    maxRows,
    tooMany: {
      code: CheckJobErrorCode.CHECK_JOB_TOO_MANY_ROWS,
      message: `The file has more than ${maxRows} applicants: split it into several jobs`,
    },
    empty: {
      code: CheckJobErrorCode.CHECK_JOB_FILE_EMPTY,
      noHeader: 'The file is empty',
      noRows: 'The file has a header row but no applicant',
    },
  });
}
