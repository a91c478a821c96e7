import ExcelJS from 'exceljs';
import { PassThrough, Readable } from 'node:stream';
import { csvLine } from './csv';

/** What a cell of a CSV or XLSX file holds. */
export type TableCell = string | number | boolean | null;

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel refuses longer cell text. */
const XLSX_MAX_CELL = 32_767;

/**
 * Bytes the XLSX output may hold unread before the writer waits: the zip layers above it do not
 * honour backpressure, so waiting here after each page is what keeps a slow reader from making the
 * server buffer the whole file. A page's compressed size stays well below it.
 */
const XLSX_OUTPUT_BUFFER = 1 << 20;

/** A stream of one chunk a page holds two pages at most, not the default sixteen. */
export const PAGED = { objectMode: true, highWaterMark: 2 } as const;

/**
 * A CSV file, UTF-8 with a BOM (so spreadsheet programs read Chinese text right), every cell through
 * csvLine's formula-injection guard. Pages are pulled only as fast as the reader takes them.
 */
export function csvFile(header: readonly string[], pages: AsyncIterable<readonly TableCell[][]>): Readable {
  return Readable.from(
    (async function* () {
      yield '\uFEFF' + csvLine(header);
      for await (const page of pages) yield page.map((row) => csvLine(row)).join('');
    })(),
    PAGED,
  );
}

/** A sheet written after the main one, once every page is in (a summary of the file). */
export interface TrailingSheet {
  name: string;
  rows: () => TableCell[][];
}

/**
 * An XLSX workbook written as a stream: one sheet with a frozen header row, then one row per record,
 * and optionally a trailing sheet made at the end. Every value is a plain text, number or boolean
 * cell, never a formula, so no injection can pass. The next page is read only once the reader has
 * taken what the previous ones made; when the reader goes away, pages stop being read (the source's
 * `finally` runs).
 */
export function xlsxFile(
  sheetName: string,
  header: readonly string[],
  pages: AsyncIterable<readonly TableCell[][]>,
  trailing?: TrailingSheet,
): Readable {
  const out = new PassThrough({ highWaterMark: XLSX_OUTPUT_BUFFER });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  void (async () => {
    sheet.addRow([...header]).commit();
    for await (const page of pages) {
      for (const row of page) sheet.addRow(row.map(xlsxCell)).commit();
      if (!(await readerKeepsUp(out))) return;
    }
    sheet.commit();
    if (trailing) {
      const extra = workbook.addWorksheet(trailing.name);
      for (const row of trailing.rows()) extra.addRow(row.map(xlsxCell)).commit();
      extra.commit();
    }
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

const xlsxCell = (cell: TableCell): TableCell =>
  typeof cell === 'string' ? cell.slice(0, XLSX_MAX_CELL) : cell;

/** Waits while the output is full; false once it is closed (the reader went away). */
async function readerKeepsUp(out: PassThrough): Promise<boolean> {
  while (out.writableNeedDrain && !out.destroyed) {
    await new Promise<void>((resolve) => {
      const done = () => {
        out.off('drain', done).off('close', done);
        resolve();
      };
      out.on('drain', done).on('close', done);
    });
  }
  return !out.destroyed;
}
