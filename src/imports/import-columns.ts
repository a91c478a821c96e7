/**
 * How a row of a decisions import file becomes the body of a case recording (POST /api/v1/cases):
 * the columns (English keys or Chinese headers), how their text is read, and which column a field of
 * that body came from. Pure functions: the body is validated by the case API's own DTOs and checks.
 */
import { RuleData } from '../rules/rules';
import {
  Cell,
  cellText,
  defaultIdType,
  ID_TYPE_VALUES,
  idNumberNotText,
  KIND_VALUES,
  SheetColumn,
  SheetHeaders,
  valueKey,
} from '../screening/jobs/check-job-columns';
import { CASE_SOURCES, CASE_SUBJECT_ROLES, MISCONDUCT_TYPES } from '../cases/cases.types';
import { SEVERITIES } from '../rules/rules';
import { SUBJECT_KIND_LABELS } from '../subjects/subjects.types';
import { IDENTIFIER_TYPE_LABELS } from '../identifiers/identifiers';

export enum ImportErrorCode {
  IMPORT_COLUMNS_UNKNOWN = 'IMPORT_COLUMNS_UNKNOWN',
  IMPORT_COLUMN_DUPLICATE = 'IMPORT_COLUMN_DUPLICATE',
  IMPORT_FILE_EMPTY = 'IMPORT_FILE_EMPTY',
  IMPORT_TOO_MANY_ROWS = 'IMPORT_TOO_MANY_ROWS',
  /** A real run found problems: nothing was recorded (422, every problem in the details). */
  IMPORT_ROWS_INVALID = 'IMPORT_ROWS_INVALID',
}

/** Codes of row problems found by the import itself; the other codes are those of the case API. */
export enum ImportRowErrorCode {
  /** A row's status is not a decision's (DECIDED or FINAL). */
  IMPORT_STATUS_NOT_DECIDED = 'IMPORT_STATUS_NOT_DECIDED',
  /** A cell of yes/no (lifetime) holds something else. */
  IMPORT_VALUE_NOT_BOOLEAN = 'IMPORT_VALUE_NOT_BOOLEAN',
  /** The same decision, subject and measure as an earlier row of the file. */
  IMPORT_ROW_DUPLICATE = 'IMPORT_ROW_DUPLICATE',
  /** A decision's own fields differ from those of its first row in the file. */
  IMPORT_DECISION_MISMATCH = 'IMPORT_DECISION_MISMATCH',
  /** One subject (same identifier) is described differently in two rows of one decision. */
  IMPORT_SUBJECT_MISMATCH = 'IMPORT_SUBJECT_MISMATCH',
  /** The decision is recorded already, and differently from this row. */
  IMPORT_ROW_CONFLICT = 'IMPORT_ROW_CONFLICT',
}

/** Most data rows one import file may hold: they are recorded in one transaction. */
export const MAX_IMPORT_ROWS = 10_000;

/** Longest cell text kept: longer ones are cut there (every field is shorter, so the row is refused). */
const MAX_IMPORT_CELL_CHARS = 20_001;

/** The columns of a decision's own fields: the same in every row of the decision. */
export const DECISION_COLUMNS = [
  'decisionDate',
  'status',
  'severity',
  'misconductTypes',
  'source',
  'facts',
  'legalBasis',
  'aggravating',
  'mitigating',
] as const;

const IMPORT_COLUMN_KEYS = [
  'decisionNumber',
  'authority',
  ...DECISION_COLUMNS,
  'kind',
  'name',
  'organisation',
  'idType',
  'idNumber',
  'country',
  'formerNames',
  'roles',
  'measureType',
  'measureStart',
  'measureEnd',
  'lifetime',
  'domains',
  'measureNote',
] as const;
export type ImportColumnKey = (typeof IMPORT_COLUMN_KEYS)[number];

/** Separators of a cell holding several values (misconduct types, roles, domains, names). */
const LIST_SEPARATOR = /[;；,，、\n]+/;

/** What the template and docs/integration.md say of each column. */
export interface ImportColumnInfo {
  key: ImportColumnKey;
  /** The Chinese header of the template ("*": required). */
  zh: string;
  required: boolean;
  /** Several values, separated by ; or 、 */
  list: boolean;
  description: string;
  example: string;
}

const col = (
  key: ImportColumnKey,
  zh: string,
  example: string,
  description: string,
  flags: { required?: boolean; list?: boolean } = {},
): ImportColumnInfo => ({
  key,
  zh,
  required: flags.required ?? false,
  list: flags.list ?? false,
  description,
  example,
});

/** The columns, in template order. */
export const IMPORT_COLUMNS: readonly ImportColumnInfo[] = [
  col(
    'decisionNumber',
    '决定文号',
    '泉科〔2020〕34号',
    '文号; rows sharing it (and the authority) are one case',
    {
      required: true,
    },
  ),
  col('authority', '决定机关', '泉州市科学技术局', 'The deciding body', { required: true }),
  col('decisionDate', '决定日期', '2020-06-30', 'YYYY-MM-DD (also YYYY/M/D, or a date cell)', {
    required: true,
  }),
  col('status', '案件状态', 'DECIDED', 'DECIDED (default) or FINAL'),
  col('severity', '情节', 'SERIOUS', `One of ${SEVERITIES.join(', ')}`, { required: true }),
  col('misconductTypes', '失信行为类型', 'PLAGIARISM', `Codes: ${MISCONDUCT_TYPES.join(', ')}`, {
    required: true,
    list: true,
  }),
  col('source', '线索来源', 'COMPLAINT_REPORT', `One of ${CASE_SOURCES.join(', ')}`, { required: true }),
  col('facts', '事实', '抄袭他人论文', 'The facts found'),
  col('legalBasis', '处理依据', '科研失信行为调查处理规则 第二条', 'The legal basis'),
  col('aggravating', '从重情节', '', 'Aggravating factors', { list: true }),
  col('mitigating', '从轻情节', '', 'Mitigating factors', { list: true }),
  col(
    'kind',
    '主体类型',
    '自然人',
    'NATURAL_PERSON, LEGAL_PERSON, UNINCORPORATED_ORG (自然人, 法人, 非法人组织)',
    {
      required: true,
    },
  ),
  col('name', '姓名/名称', '张某某', 'Name of the person or organisation', { required: true }),
  col('organisation', '工作单位', '某某大学', 'Organisation or affiliation of a person'),
  col(
    'idType',
    '证件类型',
    '居民身份证',
    'RESIDENT_ID, USCC, PASSPORT, OTHER (or the Chinese names); default by kind',
  ),
  col(
    'idNumber',
    '证件号码',
    '11010519491231002X',
    'Resident ID or USCC (checked), passport number…; format as text',
  ),
  col('country', '签发国家', '', 'ISO 3166 code, for PASSPORT and OTHER only'),
  col('formerNames', '曾用名', '', 'Former names', { list: true }),
  col('roles', '主体角色', 'RESEARCHER', `Codes: ${CASE_SUBJECT_ROLES.join(', ')}`, {
    required: true,
    list: true,
  }),
  col(
    'measureType',
    '处理措施',
    'SERIOUS_DB_ENTRY',
    'A measure type of the rule data (code or Chinese name); empty: none',
  ),
  col('measureStart', '措施开始日期', '2020-07-01', 'YYYY-MM-DD, for timed measures'),
  col('measureEnd', '措施结束日期', '2023-06-30', 'YYYY-MM-DD; empty for a lifetime measure'),
  col('lifetime', '终身', '否', '是/否 (yes/no, true/false, 1/0); empty: no'),
  col('domains', '限制领域', '', 'Review domains a bar covers (codes or Chinese names)', { list: true }),
  col('measureNote', '措施说明', '', 'A note on the measure'),
];

/** Headers read besides each column's key and Chinese header(s). */
const OTHER_HEADERS: Partial<Record<ImportColumnKey, string[]>> = {
  name: ['姓名/名称'],
  organisation: ['organization', '单位'],
};

const IMPORT_HEADERS = Object.fromEntries(
  IMPORT_COLUMNS.map((c) => [c.key, [c.key, ...c.zh.split('/'), ...(OTHER_HEADERS[c.key] ?? [])]]),
) as Record<ImportColumnKey, string[]>;

/** How an import file names its columns (headers compared without spaces, case or a trailing "*"). */
export const IMPORT_SHEET_HEADERS: SheetHeaders<ImportColumnKey> = {
  headers: IMPORT_HEADERS,
  unknownCode: ImportErrorCode.IMPORT_COLUMNS_UNKNOWN,
  duplicateCode: ImportErrorCode.IMPORT_COLUMN_DUPLICATE,
};

export type ImportColumn = SheetColumn<ImportColumnKey>;

/** A problem of one row: its row number in the file, the column, a code and a message. */
export interface RowProblem {
  row: number;
  column: string;
  code: string;
  message: string;
}

/** One data row, read: the case body it gives (one subject, at most one measure) and its problems. */
export interface ImportRow {
  /** Line (CSV) or row number (XLSX) in the file. */
  row: number;
  /** The body of POST /api/v1/cases this row stands for, before validation. */
  body: Record<string, unknown>;
  problems: RowProblem[];
}

const TRUE = new Set(['是', 'Y', 'YES', 'TRUE', '1', '终身']);
const FALSE = new Set(['否', 'N', 'NO', 'FALSE', '0', '']);

/** Codes and labels a rule-data column takes (measure types, review domains), keyed by `valueKey`. */
export interface RuleValues {
  measureTypes: Readonly<Record<string, string>>;
  domains: Readonly<Record<string, string>>;
}

/** The codes and Chinese names of the measure types and review domains of a rule set. */
export function ruleValues(rules: RuleData): RuleValues {
  const index = (items: { code: string; label: string }[]) =>
    Object.fromEntries(
      items.flatMap((x) => [[valueKey(x.code), x.code] as const, [valueKey(x.label), x.code] as const]),
    );
  return { measureTypes: index(rules.measureTypes), domains: index(rules.reviewDomains) };
}

/** A code column: a known code or label becomes the code; anything else stays, for the validators to refuse. */
const codeOf = (values: Readonly<Record<string, string>>, text: string): string =>
  values[valueKey(text)] ?? text;

/** Day 0 of Excel's serial dates (1899-12-30, so that 1900-03-01 is 61, as Excel counts). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/**
 * A date cell as YYYY-MM-DD. The sheet reader skips styles (a zip bomb's styles are never unpacked),
 * so a date typed into Excel arrives as its serial number; 2020/6/30 and 2020.6.30 are read too.
 * Anything else stays as it is, for the validators to refuse.
 */
export function dateOf(cell: Cell): string {
  if (typeof cell === 'number' && Number.isInteger(cell) && cell > 0 && cell < 2_958_466) {
    return new Date(EXCEL_EPOCH_MS + cell * 86_400_000).toISOString().slice(0, 10);
  }
  return dateText(cellText(cell));
}

function dateText(text: string): string {
  const m = /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$/.exec(text);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : text;
}

const listOf = (text: string): string[] =>
  text
    .split(LIST_SEPARATOR)
    .map((v) => v.trim())
    .filter(Boolean);

/** Drops empty values, so that an empty cell is an absent field, as in a JSON body. */
const present = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined));

/**
 * One data row as the body of a case recording (status DECIDED unless given), with its one subject
 * under the ref `s` and its measure, if the row names one. Null for a row with nothing in any column.
 *
 * Code columns take codes or their Chinese names; list columns split on ; , 、 or new lines. An ID
 * number without an ID type is a USCC for organisations and a resident ID otherwise (as in check jobs).
 */
export function readImportRow(
  line: number,
  cells: readonly Cell[],
  columns: readonly ImportColumn[],
  rules: RuleValues,
): ImportRow | null {
  const text = new Map<ImportColumnKey, string>(
    columns.map((c) => [c.key, cellText(cells[c.index]).slice(0, MAX_IMPORT_CELL_CHARS)]),
  );
  if (![...text.values()].some(Boolean)) return null;
  const v = (key: ImportColumnKey) => text.get(key) ?? '';
  const date = (key: ImportColumnKey) => {
    const column = columns.find((c) => c.key === key);
    return column ? dateOf(cells[column.index]) : '';
  };
  const problems: RowProblem[] = [];

  const kind = codeOf(KIND_VALUES, v('kind'));
  let identifiers: Record<string, unknown>[] | undefined;
  const idNumber = v('idNumber');
  if (idNumber) {
    const notText = idNumberNotText(cells[columns.find((c) => c.key === 'idNumber')!.index]);
    if (notText) problems.push({ row: line, column: 'idNumber', ...notText });
    const type = v('idType') ? codeOf(ID_TYPE_VALUES, v('idType')) : defaultIdType(kind);
    identifiers = [present({ type, value: idNumber, issuingCountry: v('country') })];
  }

  let lifetime: boolean | undefined;
  const lifetimeKey = valueKey(v('lifetime'));
  if (TRUE.has(lifetimeKey)) lifetime = true;
  else if (!FALSE.has(lifetimeKey)) {
    problems.push({
      row: line,
      column: 'lifetime',
      code: ImportRowErrorCode.IMPORT_VALUE_NOT_BOOLEAN,
      message: 'lifetime takes 是 or 否 (yes/no, true/false, 1/0)',
    });
  }

  const subject = present({
    kind,
    name: v('name'),
    organisation: v('organisation'),
    formerNames: v('formerNames') ? listOf(v('formerNames')) : undefined,
    identifiers,
  });
  const body = present({
    status: v('status') ? v('status').toUpperCase() : 'DECIDED',
    decisionNumber: v('decisionNumber'),
    authority: v('authority'),
    decisionDate: date('decisionDate'),
    severity: v('severity') ? v('severity').toUpperCase() : undefined,
    misconductTypes: listOf(v('misconductTypes')).map((t) => t.toUpperCase()),
    source: v('source') ? v('source').toUpperCase() : undefined,
    facts: v('facts'),
    legalBasis: v('legalBasis'),
    aggravating: v('aggravating') ? listOf(v('aggravating')) : undefined,
    mitigating: v('mitigating') ? listOf(v('mitigating')) : undefined,
    subjects: [{ ref: 's', subject, roles: listOf(v('roles')).map((r) => r.toUpperCase()) }],
  });
  if (v('measureType')) {
    body.measures = [
      present({
        subjectRef: 's',
        type: codeOf(rules.measureTypes, v('measureType')),
        startDate: date('measureStart'),
        endDate: date('measureEnd'),
        lifetime,
        domains: v('domains') ? listOf(v('domains')).map((d) => codeOf(rules.domains, d)) : undefined,
        note: v('measureNote'),
      }),
    ];
  }
  return { row: line, body, problems };
}

const FIELD_COLUMNS: Readonly<Record<string, ImportColumnKey>> = {
  'subjects.0.subject.kind': 'kind',
  'subjects.0.subject.name': 'name',
  'subjects.0.subject.organisation': 'organisation',
  'subjects.0.subject.formerNames': 'formerNames',
  'subjects.0.subject.identifiers': 'idNumber',
  'subjects.0.subject.identifiers.0': 'idNumber',
  'subjects.0.subject.identifiers.0.type': 'idType',
  'subjects.0.subject.identifiers.0.value': 'idNumber',
  'subjects.0.subject.identifiers.0.issuingCountry': 'country',
  'subjects.0.subject': 'name',
  'subjects.0.roles': 'roles',
  'subjects.0': 'name',
  subjects: 'name',
  measures: 'measureType',
  'measures.0': 'measureType',
  'measures.0.type': 'measureType',
  'measures.0.subjectRef': 'measureType',
  'measures.0.startDate': 'measureStart',
  'measures.0.endDate': 'measureEnd',
  'measures.0.lifetime': 'lifetime',
  'measures.0.domains': 'domains',
  'measures.0.note': 'measureNote',
};

/**
 * The column a field of a row's case body came from: `measures.0.endDate` → measureEnd,
 * `misconductTypes.1` → misconductTypes. A field of no column (none is expected) is named as it is.
 */
export function columnOfField(field: string | undefined): string {
  if (!field) return 'file';
  for (let path = field; path; path = path.slice(0, Math.max(0, path.lastIndexOf('.')))) {
    if (FIELD_COLUMNS[path]) return FIELD_COLUMNS[path];
    if ((IMPORT_COLUMN_KEYS as readonly string[]).includes(path)) return path;
  }
  return field;
}

/** The labels the XLSX template's second sheet lists for kinds and ID types. */
export const LABELLED_VALUES = { kind: SUBJECT_KIND_LABELS, idType: IDENTIFIER_TYPE_LABELS } as const;
