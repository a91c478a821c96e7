import type { ChangeEntityType } from '../changes/change-notes';

/** What can be exported: every record of one kind (docs/integration.md, "Bulk export"). */
export const EXPORT_DATASETS = ['subjects', 'cases', 'measures', 'entries'] as const;
export type ExportDataset = (typeof EXPORT_DATASETS)[number];

export const EXPORT_FORMATS = ['csv', 'xlsx', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `masked`: identifiers as everyone with read access sees them; `full`: their values too. */
export const EXPORT_IDENTIFIERS = ['masked', 'full'] as const;
export type ExportIdentifiers = (typeof EXPORT_IDENTIFIERS)[number];

/** The change feed's entity type of each dataset: its rows have the feed's `state` shape. */
export const DATASET_ENTITY: Readonly<Record<ExportDataset, ChangeEntityType>> = {
  subjects: 'SUBJECT',
  cases: 'CASE',
  measures: 'MEASURE',
  entries: 'LISTING',
};

export enum ExportErrorCode {
  /** Full identifiers asked by a caller who may not reveal them. */
  EXPORT_IDENTIFIERS_FORBIDDEN = 'EXPORT_IDENTIFIERS_FORBIDDEN',
  /** Full identifiers asked of a dataset that holds none. */
  EXPORT_IDENTIFIERS_NOT_APPLICABLE = 'EXPORT_IDENTIFIERS_NOT_APPLICABLE',
  /** Full identifiers asked without saying why. */
  EXPORT_PURPOSE_REQUIRED = 'EXPORT_PURPOSE_REQUIRED',
  /** EXPORT_MAX_CONCURRENT exports already run in this instance. */
  EXPORT_CAPACITY_REACHED = 'EXPORT_CAPACITY_REACHED',
}
