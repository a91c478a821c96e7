import { revealChangeState } from '../changes/changes.service';
import type { TableCell } from '../common/table-files';
import { identifierCell } from '../identifiers/identifiers';
import type { PersonalDataProtector } from '../personal-data/personal-data.protector';
import type { ExportDataset, ExportIdentifiers } from './exports.types';

/** One record as the change feed's `state` holds it (changes.repository.ts, ENTITY_STATE). */
export type ExportState = Record<string, unknown>;

/** A subject's identifier in a feed state: the ciphertext comes from the database, `value` from decrypting it. */
interface StateIdentifier {
  type: string;
  issuingCountry: string | null;
  masked: string;
  ciphertext?: string;
  value?: string;
}

/**
 * A record as an export gives it (one NDJSON line): the feed's state, with a subject's identifiers
 * masked, or with their full `value` too when a `protector` is given to reveal them (as the change
 * feed does, revealChangeState). The ciphertext never leaves.
 */
export function exportRecord(
  dataset: ExportDataset,
  state: ExportState,
  protector?: PersonalDataProtector,
): ExportState {
  if (dataset !== 'subjects') return state;
  if (protector) return revealChangeState('SUBJECT', state, protector) as ExportState;
  const identifiers = (state.identifiers as StateIdentifier[]).map(
    ({ ciphertext: _ciphertext, ...rest }) => rest,
  );
  return { ...state, identifiers };
}

/** How a column's cell is made from a record; by default the field of the same name. */
type CellOf = (record: ExportState) => TableCell;

const identifiersOf = (record: ExportState) => record.identifiers as StateIdentifier[];

/** Names may hold spaces (foreign names): they are joined with "; ", codes and ids with a space. */
const joined =
  (field: string, separator = ' '): CellOf =>
  (record) =>
    (record[field] as string[]).join(separator);

const COLUMNS: Readonly<Record<ExportDataset, readonly (string | [string, CellOf])[]>> = {
  subjects: [
    'id',
    'kind',
    'name',
    'organisation',
    ['formerNames', joined('formerNames', '; ')],
    ['aliases', joined('aliases', '; ')],
    [
      'identifiers',
      (r) =>
        identifiersOf(r)
          .map((i) => identifierCell(i.type, i.issuingCountry, i.masked))
          .join(' '),
    ],
    'version',
  ],
  cases: [
    'id',
    'status',
    'decisionNumber',
    'authority',
    'decisionDate',
    'severity',
    ['misconductTypes', joined('misconductTypes')],
    'legalBasis',
    'ruleVersion',
    [
      'subjects',
      (r) =>
        (r.subjects as { subjectId: string; roles: string[] }[])
          .map((s) => `${s.subjectId}:${s.roles.join('+')}`)
          .join(' '),
    ],
    ['measureIds', joined('measureIds')],
    'version',
  ],
  measures: [
    'id',
    'caseId',
    'subjectId',
    'type',
    'startDate',
    'endDate',
    'lifetime',
    ['domains', joined('domains')],
  ],
  entries: [
    'id',
    'subjectId',
    'listType',
    'caseId',
    'measureId',
    'designationDocument',
    'effectiveFrom',
    'effectiveTo',
    'terminatedFrom',
    'publicityFrom',
    'publicityTo',
    'status',
    'underObjection',
    'decidedAt',
    'version',
  ],
};

/** The column of full identifier values, added to subjects when they are revealed. */
const IDENTIFIER_VALUES: [string, CellOf] = [
  'identifierValues',
  (r) =>
    identifiersOf(r)
      .map((i) => identifierCell(i.type, i.issuingCountry, i.value ?? ''))
      .join(' '),
];

const columnsOf = (dataset: ExportDataset, identifiers: ExportIdentifiers): [string, CellOf][] =>
  [...COLUMNS[dataset], ...(dataset === 'subjects' && identifiers === 'full' ? [IDENTIFIER_VALUES] : [])].map(
    (c) => (typeof c === 'string' ? [c, (r: ExportState) => plainCell(r[c])] : c),
  );

const plainCell = (value: unknown): TableCell =>
  value === null || value === undefined
    ? null
    : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? value
      : JSON.stringify(value);

/**
 * The table form of a dataset (CSV and XLSX): its header, and the cells of a record shaped by
 * exportRecord, in the header's order.
 */
export function exportTable(
  dataset: ExportDataset,
  identifiers: ExportIdentifiers,
): { header: string[]; cells: (record: ExportState) => TableCell[] } {
  const columns = columnsOf(dataset, identifiers);
  return {
    header: columns.map(([name]) => name),
    cells: (record) => columns.map(([, cell]) => cell(record)),
  };
}
