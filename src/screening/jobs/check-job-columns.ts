/**
 * How a row of an uploaded applicant list becomes an applicant: which headers name which column
 * (English or Chinese), which values a column takes, and what is wrong with a row. Pure functions:
 * reading the file and running the check live elsewhere.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { withoutFormatCharacters, withoutNul } from '../../common/text';
import {
  IDENTIFIER_TYPE_LABELS,
  IdentifierType,
  issuingCountryOf,
  normalizeIdentifier,
} from '../../identifiers/identifiers';
import { maskMiddle, maskResidentIdsIn } from '../../personal-data/personal-data.protector';
import { hasLetterOrDigit } from '../../subjects/name-key';
import { SUBJECT_KIND_LABELS, SubjectKind } from '../../subjects/subjects.types';
import { ApplicantDto } from '../screening.dto';

export enum CheckJobErrorCode {
  CHECK_JOB_NOT_FOUND = 'CHECK_JOB_NOT_FOUND',
  CHECK_JOB_NOT_DONE = 'CHECK_JOB_NOT_DONE',
  CHECK_JOB_FILES_PURGED = 'CHECK_JOB_FILES_PURGED',
  CHECK_JOB_NOT_MULTIPART = 'CHECK_JOB_NOT_MULTIPART',
  CHECK_JOB_FILE_MISSING = 'CHECK_JOB_FILE_MISSING',
  CHECK_JOB_FILE_TOO_LARGE = 'CHECK_JOB_FILE_TOO_LARGE',
  CHECK_JOB_FILE_FORMAT = 'CHECK_JOB_FILE_FORMAT',
  CHECK_JOB_FILE_ENCODING = 'CHECK_JOB_FILE_ENCODING',
  CHECK_JOB_FILE_EMPTY = 'CHECK_JOB_FILE_EMPTY',
  CHECK_JOB_COLUMNS_UNKNOWN = 'CHECK_JOB_COLUMNS_UNKNOWN',
  CHECK_JOB_COLUMN_DUPLICATE = 'CHECK_JOB_COLUMN_DUPLICATE',
  CHECK_JOB_NAME_COLUMN_MISSING = 'CHECK_JOB_NAME_COLUMN_MISSING',
  CHECK_JOB_TOO_MANY_ROWS = 'CHECK_JOB_TOO_MANY_ROWS',
  CHECK_JOB_BUSY = 'CHECK_JOB_BUSY',
  CHECK_JOB_TOO_MANY_CERTIFICATES = 'CHECK_JOB_TOO_MANY_CERTIFICATES',
}

/**
 * Most rows a job may have for a ZIP of its certificates: each PDF takes some tens of milliseconds and
 * about 90 KB (docs/certificates.md), so 5,000 make a download of minutes and some 450 MB.
 */
export const MAX_JOB_CERTIFICATES = 5_000;

/**
 * Codes of ERROR rows in a job's results. Identifier errors keep their own codes (RESIDENT_ID_CHECKSUM,
 * COUNTRY_REQUIRED…), the same a check answers (identifiers.ts).
 */
export enum CheckJobRowErrorCode {
  NAME_MISSING = 'NAME_MISSING',
  VALUE_TOO_LONG = 'VALUE_TOO_LONG',
  KIND_UNKNOWN = 'KIND_UNKNOWN',
  ID_TYPE_UNKNOWN = 'ID_TYPE_UNKNOWN',
  ID_NUMBER_NOT_TEXT = 'ID_NUMBER_NOT_TEXT',
}

/** Most data rows one file may hold: a whole annual call. */
export const MAX_JOB_ROWS = 100_000;

/** Largest file a check job takes; @fastify/multipart is registered with this limit (app.factory.ts). */
export const CHECK_JOB_MAX_FILE_BYTES = 20 * 1024 * 1024;

/** A cell as read from the file: CSV cells are text; XLSX cells keep numbers, booleans and dates. */
export type Cell = string | number | boolean | Date | null | undefined;

const COLUMN_KEYS = ['ref', 'kind', 'name', 'organisation', 'idType', 'idNumber', 'country'] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

/** The headers each column answers to; compared after `headerKey` (NFKC, no spaces, case-insensitive). */
const COLUMN_HEADERS: Readonly<Record<ColumnKey, readonly string[]>> = {
  ref: ['ref', '序号', '申请编号'],
  kind: ['kind', '主体类型'],
  name: ['name', '姓名', '名称'],
  organisation: ['organisation', 'organization', '单位', '工作单位'],
  idType: ['idType', '证件类型'],
  idNumber: ['idNumber', '证件号码'],
  country: ['country', '签发国家'],
};

/** The values a column of codes takes: each code, its label, and other spellings seen in files (keys as `valueKey`). */
export const valuesOf = <T extends string>(
  labels: Readonly<Record<T, string>>,
  aliases: Readonly<Record<string, T>> = {},
) =>
  Object.fromEntries([
    ...Object.keys(labels).map((code) => [code, code]),
    ...Object.entries(labels).map(([code, label]) => [label, code]),
    ...Object.entries(aliases),
  ]) as Readonly<Record<string, T>>;

export const KIND_VALUES = valuesOf<SubjectKind>(SUBJECT_KIND_LABELS);

export const ID_TYPE_VALUES = valuesOf<IdentifierType>(IDENTIFIER_TYPE_LABELS, {
  居民身份证: IdentifierType.RESIDENT_ID,
  身份证: IdentifierType.RESIDENT_ID,
  其他: IdentifierType.OTHER,
});

/** The longest value each column takes (the limits of ApplicantDto). */
const MAX_LENGTH: Readonly<Record<ColumnKey, number>> = {
  ref: 100,
  kind: 100,
  name: 200,
  organisation: 200,
  idType: 100,
  idNumber: 64,
  country: 100,
};

/** A header or value as compared: full-width forms folded (NFKC), spaces and a trailing "required" star dropped. */
export const headerKey = (text: string): string =>
  text.normalize('NFKC').replace(/\s+/g, '').replace(/\*+$/, '').toLowerCase();

export const valueKey = (text: string): string => text.normalize('NFKC').replace(/\s+/g, '').toUpperCase();

const HEADER_INDEX: ReadonlyMap<string, ColumnKey> = headerIndex(COLUMN_HEADERS);

/** A recognised column of an applicant list. */
export type JobColumn = SheetColumn<ColumnKey>;

/** What is wrong with one row; the row is answered ERROR and the job goes on. */
export interface RowError {
  code: string;
  /** The column (its key, e.g. `idNumber`). */
  field: string;
  message: string;
}

/**
 * One data row: the cells to show again in the results (in column order, the ID number masked) and
 * either the applicant to check or why the row cannot be checked.
 */
export interface JobRowInput {
  cells: string[];
  applicant?: ApplicantDto;
  error?: RowError;
}

/** Masks a valid identifier in its normal form (PersonalDataProtector.mask). */
export type Masker = (type: IdentifierType, normalizedValue: string) => string;

/** The text of a cell: whole numbers without a decimal point, dates as YYYY-MM-DD, trimmed. */
export function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().slice(0, 10);
  return withoutNul(String(cell)).trim();
}

/** A recognised column of an uploaded sheet: its meaning, its header as written, and its position. */
export interface SheetColumn<K extends string> {
  key: K;
  header: string;
  index: number;
}

/** How a kind of uploaded sheet names its columns, and the codes its header problems answer with. */
export interface SheetHeaders<K extends string> {
  /** Each column's key and the headers it answers to (compared after `headerKey`). */
  headers: Readonly<Record<K, readonly string[]>>;
  unknownCode: string;
  duplicateCode: string;
}

/** The header-to-key index of a sheet's columns. */
export function headerIndex<K extends string>(headers: Readonly<Record<K, readonly string[]>>) {
  return new Map<string, K>(
    (Object.keys(headers) as K[]).flatMap((key) => headers[key].map((h) => [headerKey(h), key] as const)),
  );
}

/**
 * The recognised columns of a header row, in file order. Blank header cells are ignored (with
 * whatever is below them).
 * @throws AppError 400 naming every unknown header, or a column given twice.
 */
export function resolveSheetColumns<K extends string>(
  header: readonly Cell[],
  spec: SheetHeaders<K>,
  index: ReadonlyMap<string, K> = headerIndex(spec.headers),
): SheetColumn<K>[] {
  const columns: SheetColumn<K>[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < header.length; i++) {
    const text = cellText(header[i]);
    if (!text) continue;
    const key = index.get(headerKey(text));
    if (!key) {
      unknown.push(quotable(text));
      continue;
    }
    const twice = columns.find((c) => c.key === key);
    if (twice) {
      throw AppError.badRequest(
        spec.duplicateCode,
        `The columns "${twice.header}" and "${text}" both give ${key}: keep one`,
        text,
      );
    }
    columns.push({ key, header: text, index: i });
  }
  if (unknown.length > 0) {
    const accepted = (Object.keys(spec.headers) as K[]).map((k) => spec.headers[k].join('/')).join(', ');
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      spec.unknownCode,
      `Unknown column${unknown.length === 1 ? '' : 's'}: ${unknown.map((u) => `"${u}"`).join(', ')}. ` +
        `Accepted headers: ${accepted}`,
      unknown.map((u) => ({
        field: u,
        code: 'UNKNOWN_COLUMN',
        message: `"${u}" is not a column of the file format`,
      })),
    );
  }
  return columns;
}

const JOB_HEADERS: SheetHeaders<ColumnKey> = {
  headers: COLUMN_HEADERS,
  unknownCode: CheckJobErrorCode.CHECK_JOB_COLUMNS_UNKNOWN,
  duplicateCode: CheckJobErrorCode.CHECK_JOB_COLUMN_DUPLICATE,
};

/**
 * The recognised columns of an applicant list's header row, in file order.
 * @throws AppError 400 naming every unknown header, a column given twice, or a missing name column.
 */
export function resolveColumns(header: readonly Cell[]): JobColumn[] {
  const columns = resolveSheetColumns(header, JOB_HEADERS, HEADER_INDEX);
  if (!columns.some((c) => c.key === 'name')) {
    throw AppError.badRequest(
      CheckJobErrorCode.CHECK_JOB_NAME_COLUMN_MISSING,
      'The file has no name column (name, 姓名 or 名称); the first row must be the header row',
    );
  }
  return columns;
}

/**
 * Masks a value that is not a valid identifier for display: it may still be most of someone's ID
 * number, so it is never shown whole.
 */
export function maskUnchecked(value: string): string {
  return value.length >= 12 ? maskMiddle(value, 6, 4) : maskMiddle(value, 2, 2);
}

/**
 * A value of the file, fit to quote back in a message: one with a digit may be an ID number in the
 * wrong column (or a data row where the header belongs), so it is masked; words are shown as they are.
 */
export function quotable(value: string): string {
  return /\p{Nd}/u.test(value) ? maskUnchecked(value) : value;
}

/** The type of an ID number given with no ID type: a USCC for an organisation, a resident ID otherwise. */
export function defaultIdType(kind: string | undefined): IdentifierType {
  return kind === SubjectKind.LEGAL_PERSON || kind === SubjectKind.UNINCORPORATED_ORG
    ? IdentifierType.USCC
    : IdentifierType.RESIDENT_ID;
}

/**
 * The problem of an ID number cell a spreadsheet stored as a number too large to keep exactly (it
 * kept only 15 digits); undefined for text or a number kept whole.
 */
export function idNumberNotText(cell: Cell): { code: CheckJobRowErrorCode; message: string } | undefined {
  if (typeof cell !== 'number' || Number.isSafeInteger(cell)) return undefined;
  return {
    code: CheckJobRowErrorCode.ID_NUMBER_NOT_TEXT,
    message:
      'The ID number is stored as a number, and the spreadsheet kept only its first 15 digits: ' +
      'format the column as text and enter it again',
  };
}

const fail = (code: string, field: ColumnKey, message: string): { error: RowError } => ({
  error: { code, field, message },
});

type Judgement =
  { error: RowError } | { applicant: ApplicantDto; normalizedId?: { type: IdentifierType; value: string } };

/** The applicant a row's values make, or the first thing wrong with them. */
function judge(value: (key: ColumnKey) => string, idCell: Cell, today?: Date): Judgement {
  for (const key of COLUMN_KEYS) {
    if (value(key).length > MAX_LENGTH[key]) {
      return fail(
        CheckJobRowErrorCode.VALUE_TOO_LONG,
        key,
        `${key} has ${value(key).length} characters; at most ${MAX_LENGTH[key]}`,
      );
    }
  }
  // As a check's applicant names are read (trimName): invisible characters would defeat the name match.
  const name = withoutFormatCharacters(value('name')).trim();
  if (!name) return fail(CheckJobRowErrorCode.NAME_MISSING, 'name', 'The name is empty');
  if (!hasLetterOrDigit(name)) {
    return fail(CheckJobRowErrorCode.NAME_MISSING, 'name', 'The name has no letter or digit');
  }

  let kind: SubjectKind | undefined;
  if (value('kind')) {
    kind = KIND_VALUES[valueKey(value('kind'))];
    if (!kind) {
      return fail(
        CheckJobRowErrorCode.KIND_UNKNOWN,
        'kind',
        `"${quotable(value('kind'))}" is not a kind: NATURAL_PERSON, LEGAL_PERSON or UNINCORPORATED_ORG ` +
          '(自然人, 法人, 非法人组织)',
      );
    }
  }
  const applicant: ApplicantDto = { name };
  if (value('ref')) applicant.ref = value('ref');
  if (kind) applicant.kind = kind;
  const organisation = withoutFormatCharacters(value('organisation')).trim();
  if (organisation) applicant.organisation = organisation;
  const idNumber = value('idNumber');
  if (!idNumber) return { applicant };

  let type: IdentifierType;
  if (value('idType')) {
    const given = ID_TYPE_VALUES[valueKey(value('idType'))];
    if (!given) {
      return fail(
        CheckJobRowErrorCode.ID_TYPE_UNKNOWN,
        'idType',
        `"${quotable(value('idType'))}" is not an ID type: RESIDENT_ID, USCC, PASSPORT or OTHER ` +
          '(居民身份证, 统一社会信用代码, 护照, 其他)',
      );
    }
    type = given;
  } else {
    type = defaultIdType(kind);
  }
  const notText = idNumberNotText(idCell);
  if (notText) return fail(notText.code, 'idNumber', notText.message);

  const country = issuingCountryOf(type, valueKey(value('country')));
  if (!country.ok) return fail(country.code, 'country', country.message);

  const result = normalizeIdentifier(type, idNumber, today);
  if (!result.ok) return fail(result.code, 'idNumber', result.message);
  applicant.identifier = country.value
    ? { type, value: result.value, issuingCountry: country.value }
    : { type, value: result.value };
  return { applicant, normalizedId: { type, value: result.value } };
}

/**
 * One data row as an applicant, or why it cannot be one. Null for a row with nothing in any
 * recognised column (skipped, not counted).
 *
 * An ID number without an ID type is read as a USCC for LEGAL_PERSON and UNINCORPORATED_ORG and as a
 * resident ID otherwise. Chinese identifiers take no issuing country (CN is let through); passports
 * and other IDs need one, as the registry stores them with it. The ID number is shown again masked,
 * valid or not, and so is anything shaped like a resident ID number in another column.
 */
/** Longest cell kept to show again in the results; longer ones are cut (the row is an ERROR anyway). */
export const MAX_SHOWN_CELL_CHARS = 1000;

/**
 * A cell as stored with the job and exported: a cell of a zip bomb (a few KB of XLSX unpacking to
 * tens of MB of text) must not be stored and served back whole.
 */
function shownCell(text: string): string {
  return text.length <= MAX_SHOWN_CELL_CHARS ? text : `${text.slice(0, MAX_SHOWN_CELL_CHARS - 1)}…`;
}

export function readRow(
  row: readonly Cell[],
  columns: readonly JobColumn[],
  mask: Masker,
  today?: Date,
): JobRowInput | null {
  const text = new Map<ColumnKey, string>(columns.map((c) => [c.key, cellText(row[c.index])]));
  if (![...text.values()].some(Boolean)) return null;
  const value = (key: ColumnKey) => text.get(key) ?? '';
  const idColumn = columns.find((c) => c.key === 'idNumber');

  const judgement = judge(value, idColumn ? row[idColumn.index] : undefined, today);
  const normalizedId = 'applicant' in judgement ? judgement.normalizedId : undefined;
  const masked = normalizedId
    ? mask(normalizedId.type, normalizedId.value)
    : maskUnchecked(value('idNumber'));
  // An ID number in another column (columns shifted by one) is masked there too: the cells are stored
  // with the job and exported.
  const cells = columns.map((c) =>
    shownCell(c.key === 'idNumber' ? masked : maskResidentIdsIn(value(c.key))),
  );
  return 'error' in judgement ? { cells, error: judgement.error } : { cells, applicant: judgement.applicant };
}
