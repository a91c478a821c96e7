import { csvLine } from '../src/common/csv';
import { IMPORT_COLUMNS, ImportColumnKey } from '../src/imports/import-columns';
import { newResidentId } from './factories';

/** One row of a decisions import file, by column key. */
export type ImportRow = Partial<Record<ImportColumnKey, string>>;

/** Flips the check character of a valid resident ID. */
export const breakCheckChar = (id: string) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');

/** The import columns' keys, in template order. */
export const KEYS = IMPORT_COLUMNS.map((c) => c.key);

/**
 * A CSV import file: `header` (a CSV line; by default the column keys, the template's Chinese headers
 * work as well) and the rows, their cells in template order.
 */
export const importCsv = (rows: ImportRow[], header = csvLine(KEYS)): Buffer =>
  Buffer.from(header + rows.map((r) => csvLine(KEYS.map((k) => r[k] ?? ''))).join(''), 'utf8');

let serial = 0;
/** A clean row: a person, barred from funded activity; `decision` names the decision it belongs to. */
export const personRow = (decision: string, over: ImportRow = {}): ImportRow => ({
  decisionNumber: decision,
  authority: '东海省科学技术厅',
  decisionDate: '2021-03-15',
  severity: 'SERIOUS',
  misconductTypes: 'PLAGIARISM',
  source: 'COMPLAINT_REPORT',
  kind: '自然人',
  name: `导入人${++serial}`,
  organisation: '东海理工大学',
  idType: '居民身份证',
  idNumber: newResidentId(),
  roles: 'RESEARCHER',
  measureType: 'BAN_FUNDED_ACTIVITY',
  measureStart: '2021-04-01',
  measureEnd: '2024-03-31',
  domains: 'PROJECT_FUNDING',
  ...over,
});
