import { Readable } from 'node:stream';
import { csvFile, TableCell, xlsxFile } from '../../common/table-files';
import type { CheckJobResultRow } from './check-jobs.repository';

/** The columns a results file adds after the input's own. */
const RESULT_COLUMNS = ['verdict', 'reasons', 'incentive', 'underObjection', 'error'] as const;

const errorText = (row: CheckJobResultRow): string | null =>
  row.error ? `${row.error.code} (${row.error.field}): ${row.error.message}` : null;

function resultCells(row: CheckJobResultRow): TableCell[] {
  return [...row.cells, row.verdict, row.reasons, row.incentive, row.underObjection, errorText(row)];
}

async function* resultPages(pages: AsyncIterable<CheckJobResultRow[]>): AsyncGenerator<TableCell[][]> {
  for await (const page of pages) yield page.map(resultCells);
}

/** The results as CSV UTF-8 with a BOM, every cell guarded against formula injection. */
export function resultsCsv(headers: readonly string[], pages: AsyncIterable<CheckJobResultRow[]>): Readable {
  return csvFile([...headers, ...RESULT_COLUMNS], resultPages(pages));
}

/** The results as an XLSX workbook written as a stream: a header row, then one row per applicant. */
export function resultsXlsx(headers: readonly string[], pages: AsyncIterable<CheckJobResultRow[]>): Readable {
  return xlsxFile('results', [...headers, ...RESULT_COLUMNS], resultPages(pages));
}
