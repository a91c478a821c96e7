import ExcelJS from 'exceljs';
import { PassThrough, Readable } from 'node:stream';
import { csvLine } from '../../common/csv';
import type { CheckJobResultRow } from './check-jobs.repository';

/** The columns a results file adds after the input's own. */
const RESULT_COLUMNS = ['verdict', 'reasons', 'incentive', 'underObjection', 'error'] as const;

/** Excel refuses longer cell text. */
const XLSX_MAX_CELL = 32_767;

const errorText = (row: CheckJobResultRow): string | null =>
  row.error ? `${row.error.code} (${row.error.field}): ${row.error.message}` : null;

function resultCells(row: CheckJobResultRow): (string | boolean | null)[] {
  return [...row.cells, row.verdict, row.reasons, row.incentive, row.underObjection, errorText(row)];
}

/**
 * The results as CSV UTF-8 with a BOM (so spreadsheet programs read the Chinese text right), every
 * cell through csvLine's formula-injection guard.
 */
export function resultsCsv(headers: readonly string[], pages: AsyncIterable<CheckJobResultRow[]>): Readable {
  return Readable.from(
    (async function* () {
      yield '\uFEFF' + csvLine([...headers, ...RESULT_COLUMNS]);
      for await (const page of pages) yield page.map((row) => csvLine(resultCells(row))).join('');
    })(),
  );
}

/**
 * The results as an XLSX workbook written as a stream: a header row, then one row per applicant.
 * Every value is written as a plain text (or boolean) cell, never a formula, so no injection can pass.
 */
export function resultsXlsx(headers: readonly string[], pages: AsyncIterable<CheckJobResultRow[]>): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet('results', { views: [{ state: 'frozen', ySplit: 1 }] });
  void (async () => {
    sheet.addRow([...headers, ...RESULT_COLUMNS]).commit();
    for await (const page of pages) {
      for (const row of page) {
        sheet
          .addRow(resultCells(row).map((c) => (typeof c === 'string' ? c.slice(0, XLSX_MAX_CELL) : c)))
          .commit();
      }
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}
