/**
 * How an uploaded pool file (CSV or XLSX, read as check jobs read theirs) becomes target or
 * inspector rows: the headers each column answers to (English or Chinese), and every problem of every
 * row with its row, column and code. A pool is taken whole or not at all: one bad row refuses the file.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError, ErrorDetail } from '../common/errors/app-error';
import { withoutFormatCharacters } from '../common/text';
import {
  IDENTIFIER_TYPE_LABELS,
  IdentifierType,
  issuingCountryOf,
  normalizeIdentifier,
  normalizeUscc,
} from '../identifiers/identifiers';
import { maskResidentIdsIn } from '../personal-data/personal-data.protector';
import {
  Cell,
  cellText,
  headerKey,
  MAX_JOB_ROWS,
  quotable,
  valueKey,
} from '../screening/jobs/check-job-columns';
import { detectFormat, JobFileFormat, sheetRows } from '../screening/jobs/check-job-file';
import { nameKey } from '../subjects/name-key';
import { STRATUM_SEPARATOR } from './draw';
import { InspectionErrorCode } from './inspections.types';

export const TARGET_KINDS = ['PROJECT', 'ENTERPRISE', 'PLATFORM'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
const TARGET_KIND_LABELS: Readonly<Record<TargetKind, string>> = {
  PROJECT: '科研项目',
  ENTERPRISE: '企业',
  PLATFORM: '创新平台',
};

/** A canonical key: what the draw sorts and the public export shows, so never an ID number. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Declared conflicts in one cell: target keys or organisation names, separated by ; or ；. */
const LIST_SEPARATOR = /[;；]/;
const MAX_TEXT = 200;

export interface PoolTargetRow {
  key: string;
  kind: TargetKind;
  name: string;
  organisation: string;
  organisationKey: string;
  uscc: string | null;
  district: string;
  category: string;
  principalInvestigator: string | null;
  /** Normalised resident ID of the principal investigator. */
  piIdNumber: string | null;
}

export interface PoolInspectorRow {
  key: string;
  name: string;
  organisation: string;
  organisationKey: string;
  field: string;
  subjectId: string | null;
  identifier: { type: IdentifierType; value: string; issuingCountry: string } | null;
  conflictKeys: string[];
}

interface Column<K extends string> {
  key: K;
  headers: string[];
  required?: boolean;
}

const TARGET_COLUMNS: Column<keyof PoolTargetRow>[] = [
  { key: 'key', headers: ['key', '编号', '项目编号'], required: true },
  { key: 'kind', headers: ['kind', '类型', '对象类型'], required: true },
  { key: 'name', headers: ['name', '名称', '项目名称'], required: true },
  { key: 'organisation', headers: ['organisation', 'organization', '单位', '承担单位'] },
  { key: 'uscc', headers: ['uscc', '统一社会信用代码'] },
  { key: 'district', headers: ['district', '区域', '地区'] },
  { key: 'category', headers: ['category', '类别', '项目类别'] },
  { key: 'principalInvestigator', headers: ['principalInvestigator', '项目负责人', '负责人'] },
  { key: 'piIdNumber', headers: ['piIdNumber', '负责人证件号码'] },
];

type InspectorColumn = Exclude<keyof PoolInspectorRow, 'identifier' | 'organisationKey' | 'conflictKeys'>;
const INSPECTOR_COLUMNS: Column<InspectorColumn | 'idType' | 'idNumber' | 'country' | 'conflicts'>[] = [
  { key: 'key', headers: ['key', '编号', '专家编号'], required: true },
  { key: 'name', headers: ['name', '姓名'], required: true },
  { key: 'organisation', headers: ['organisation', 'organization', '单位', '工作单位'] },
  { key: 'field', headers: ['field', '专业领域', '领域'] },
  { key: 'subjectId', headers: ['subjectId', '主体ID'] },
  { key: 'idType', headers: ['idType', '证件类型'] },
  { key: 'idNumber', headers: ['idNumber', '证件号码'] },
  { key: 'country', headers: ['country', '签发国家'] },
  { key: 'conflicts', headers: ['conflicts', '申报回避', '回避'] },
];

const KIND_VALUES: Readonly<Record<string, TargetKind>> = Object.fromEntries([
  ...TARGET_KINDS.map((k) => [k, k]),
  ...Object.entries(TARGET_KIND_LABELS).map(([k, label]) => [label, k]),
  ['项目', 'PROJECT'],
  ['平台', 'PLATFORM'],
]);

const ID_TYPE_VALUES: Readonly<Record<string, IdentifierType>> = Object.fromEntries([
  ...(['RESIDENT_ID', 'PASSPORT', 'OTHER'] as const).flatMap((t) => [
    [t, t],
    [IDENTIFIER_TYPE_LABELS[t], t],
  ]),
  ['居民身份证', 'RESIDENT_ID'],
  ['身份证', 'RESIDENT_ID'],
  ['其他', 'OTHER'],
]);

/** A problem of one cell: `rows.<row>.<column>`, rows counted from the header (1), blank rows skipped. */
export interface RowProblem extends ErrorDetail {
  field: string;
}

const MAX_PROBLEMS_SHOWN = 200;

export interface PoolFile<R> {
  format: JobFileFormat;
  rows: R[];
  /** The row number of each row: the header is 1, blank rows are not counted (CSV readers drop them). */
  lines: number[];
}

/** Reads a sheet: the header row, then each row through `read`, collecting every problem. */
async function readPool<K extends string, R>(
  buffer: Buffer,
  columns: Column<K>[],
  read: (value: (key: K) => string, problem: (column: K, code: string, message: string) => void) => R | null,
): Promise<PoolFile<R>> {
  const format = detectFormat(buffer);
  const byHeader = new Map(columns.flatMap((c) => c.headers.map((h) => [headerKey(h), c.key] as const)));
  let index: Map<K, number> | undefined;
  const rows: R[] = [];
  const lines: number[] = [];
  const problems: RowProblem[] = [];
  const keys = new Map<string, number>();
  let line = 0;
  for await (const { cells } of sheetRows(buffer, format)) {
    line++;
    if (!index) {
      if (!cells.some((c: Cell) => cellText(c) !== '')) {
        line--;
        continue;
      }
      index = resolveHeader(cells, byHeader, columns);
      continue;
    }
    const text = new Map([...index].map(([key, i]) => [key, cellText(cells[i])]));
    if (![...text.values()].some(Boolean)) {
      line--;
      continue;
    }
    if (rows.length === MAX_JOB_ROWS) {
      throw new AppError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        InspectionErrorCode.POOL_TOO_MANY_ROWS,
        `The file has more than ${MAX_JOB_ROWS} rows`,
      );
    }
    const value = (key: K) => withoutFormatCharacters(text.get(key) ?? '').trim();
    const before = problems.length;
    const problem = (column: K, code: string, message: string) =>
      problems.push({ field: `rows.${line}.${column}`, code, message: maskResidentIdsIn(message) });
    for (const c of columns) {
      if (value(c.key).length > MAX_TEXT) problem(c.key, 'VALUE_TOO_LONG', `at most ${MAX_TEXT} characters`);
      else if (c.required && !value(c.key)) problem(c.key, 'REQUIRED', `${c.key} is required`);
    }
    const key = value('key' as K);
    if (key && !KEY.test(key)) {
      problem(
        'key' as K,
        'KEY_INVALID',
        'a key is 1–64 letters, digits, . _ : or -, starting with a letter or digit',
      );
    } else if (key && maskResidentIdsIn(key) !== key) {
      problem('key' as K, 'KEY_INVALID', 'a key is published: it may not be an ID number');
    } else if (key && keys.has(key)) {
      problem('key' as K, 'KEY_DUPLICATE', `the key "${key}" is also on row ${keys.get(key)}`);
    }
    if (key) keys.set(key, keys.get(key) ?? line);
    if (problems.length > before) continue;
    const row = read(value, problem);
    if (row && problems.length === before) {
      rows.push(row);
      lines.push(line);
    }
  }
  if (!index) throw AppError.badRequest(InspectionErrorCode.POOL_FILE_EMPTY, 'The file is empty', 'file');
  if (problems.length > 0) {
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      InspectionErrorCode.POOL_ROWS_INVALID,
      `The file has ${problems.length} problem(s); nothing was stored. First: ${problems[0].field}: ${problems[0].message}`,
      problems.slice(0, MAX_PROBLEMS_SHOWN),
    );
  }
  if (rows.length === 0) {
    throw AppError.badRequest(
      InspectionErrorCode.POOL_FILE_EMPTY,
      'The file has a header row but no data row',
      'file',
    );
  }
  return { format, rows, lines };
}

function resolveHeader<K extends string>(
  cells: Cell[],
  byHeader: ReadonlyMap<string, K>,
  columns: Column<K>[],
): Map<K, number> {
  const index = new Map<K, number>();
  const unknown: string[] = [];
  cells.forEach((cell, i) => {
    const text = cellText(cell);
    if (!text) return;
    const key = byHeader.get(headerKey(text));
    if (!key) unknown.push(quotable(text));
    else if (index.has(key)) {
      throw AppError.badRequest(
        InspectionErrorCode.POOL_COLUMNS_INVALID,
        `The column ${key} is given twice`,
        text,
      );
    } else index.set(key, i);
  });
  const missing = columns.filter((c) => c.required && !index.has(c.key)).map((c) => c.key);
  if (unknown.length > 0 || missing.length > 0) {
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      InspectionErrorCode.POOL_COLUMNS_INVALID,
      [
        unknown.length ? `Unknown columns: ${unknown.map((u) => `"${u}"`).join(', ')}` : '',
        missing.length ? `Missing columns: ${missing.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('. ') + `. Accepted headers: ${columns.map((c) => c.headers.join('/')).join(', ')}`,
      [
        ...unknown.map((u) => ({ field: u, code: 'UNKNOWN_COLUMN', message: `"${u}" is not a column` })),
        ...missing.map((m) => ({ field: m, code: 'MISSING_COLUMN', message: `the column ${m} is required` })),
      ],
    );
  }
  return index;
}

/** A target pool file. */
export function readTargetPool(buffer: Buffer, today = new Date()): Promise<PoolFile<PoolTargetRow>> {
  return readPool(buffer, TARGET_COLUMNS, (value, problem) => {
    const kind = KIND_VALUES[valueKey(value('kind'))];
    if (!kind) {
      problem('kind', 'KIND_UNKNOWN', `"${quotable(value('kind'))}" is not PROJECT, ENTERPRISE or PLATFORM`);
    }
    for (const column of ['district', 'category'] as const) {
      if (value(column).includes(STRATUM_SEPARATOR)) {
        problem(column, 'STRATUM_SEPARATOR', `${column} may not contain "${STRATUM_SEPARATOR}"`);
      }
    }
    let uscc: string | null = null;
    if (value('uscc')) {
      const result = normalizeUscc(value('uscc'));
      if (result.ok) uscc = result.value;
      else problem('uscc', result.code, result.message);
    }
    let piIdNumber: string | null = null;
    if (value('piIdNumber')) {
      const result = normalizeIdentifier('RESIDENT_ID', value('piIdNumber'), today);
      if (result.ok) piIdNumber = result.value;
      else problem('piIdNumber', result.code, result.message);
      if (!value('principalInvestigator')) {
        problem('principalInvestigator', 'REQUIRED', 'an ID number needs the name of its holder');
      }
    }
    if (!kind) return null;
    // An enterprise or platform is its own organisation when no other is named.
    const organisation = value('organisation') || (kind === 'PROJECT' ? '' : value('name'));
    return {
      key: value('key'),
      kind,
      name: value('name'),
      organisation,
      organisationKey: nameKey(organisation),
      uscc,
      district: value('district'),
      category: value('category'),
      principalInvestigator: value('principalInvestigator') || null,
      piIdNumber,
    };
  });
}

/** An inspector pool file. Subject links are checked against the registry by the service. */
export function readInspectorPool(buffer: Buffer, today = new Date()): Promise<PoolFile<PoolInspectorRow>> {
  return readPool(buffer, INSPECTOR_COLUMNS, (value, problem) => {
    const subjectId = value('subjectId') || null;
    if (subjectId && !UUID.test(subjectId))
      problem('subjectId', 'SUBJECT_ID_INVALID', 'not a subject id (UUID)');
    let identifier: PoolInspectorRow['identifier'] = null;
    if (value('idNumber')) {
      const type = value('idType') ? ID_TYPE_VALUES[valueKey(value('idType'))] : 'RESIDENT_ID';
      if (!type) {
        problem(
          'idType',
          'ID_TYPE_UNKNOWN',
          `"${quotable(value('idType'))}" is not RESIDENT_ID, PASSPORT or OTHER`,
        );
        return null;
      }
      const country = issuingCountryOf(type, valueKey(value('country')) || undefined);
      const result = normalizeIdentifier(type, value('idNumber'), today);
      if (!country.ok) problem('country', country.code, country.message);
      else if (!result.ok) problem('idNumber', result.code, result.message);
      else identifier = { type, value: result.value, issuingCountry: country.value };
    }
    const conflictKeys = [
      ...new Set(
        value('conflicts')
          .split(LIST_SEPARATOR)
          .map((c) => c.trim())
          .filter(Boolean)
          // An organisation by its name key, as targets' organisations are compared; what may be a
          // target key also as it is.
          .flatMap((c) => (KEY.test(c) ? [c, nameKey(c)] : [nameKey(c)]))
          .filter(Boolean),
      ),
    ];
    return {
      key: value('key'),
      name: value('name'),
      organisation: value('organisation'),
      organisationKey: nameKey(value('organisation')),
      field: value('field'),
      subjectId,
      identifier,
      conflictKeys,
    };
  });
}
