import { HttpStatus, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { isDecided } from '../cases/case-lifecycle';
import { CaseCreateDto, CaseSubjectInputDto } from '../cases/cases.dto';
import { CaseRow } from '../cases/cases.repository';
import { CasesService } from '../cases/cases.service';
import { AppError, ErrorDetail } from '../common/errors/app-error';
import { createValidationPipe } from '../common/errors/validation';
import { retryUniqueViolations } from '../common/errors/unique-violation';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { maskResidentIdsIn } from '../personal-data/personal-data.protector';
import { RuleSet } from '../rules/rules.repository';
import { measureType } from '../rules/rules';
import { RulesService } from '../rules/rules.service';
import { resolveSheetColumns } from '../screening/jobs/check-job-columns';
import { JobFileFormat, readSheet } from '../screening/jobs/check-job-file';
import type { CheckJobUpload } from '../screening/jobs/check-jobs.service';
import { nameKey } from '../subjects/name-key';
import { Prepared, SubjectsService } from '../subjects/subjects.service';
import { ImportReportDto } from './imports.dto';
import {
  columnOfField,
  DECISION_COLUMNS,
  IMPORT_SHEET_HEADERS,
  ImportErrorCode,
  ImportRow,
  ImportRowErrorCode,
  MAX_IMPORT_ROWS,
  readImportRow,
  RowProblem,
  ruleValues,
} from './import-columns';

/** What an import found (dry run) or did (real run). */
export type ImportReport = ImportReportDto;
type RowOutcome = 'NEW' | 'UNCHANGED' | 'INVALID';

/** A row that passed the case API's checks, with what it needs to be grouped and written. */
interface CheckedRow {
  row: number;
  dto: CaseCreateDto;
  ruleSet: RuleSet | undefined;
  identifiers: Prepared[];
  subjectKey: string;
}

/** The rows of one decision (authority + decision number) in the file. */
interface Group {
  authority: string;
  decisionNumber: string;
  rows: CheckedRow[];
}

interface Analysis {
  report: ImportReport;
  /** Groups to record (none with a problem), and the subjects already holding their identifiers. */
  groups: Group[];
  holders: Map<string, string>;
}

const validation = createValidationPipe();

/**
 * The unique keys two imports (or an import and a recorder) can both find free and then both write:
 * a decision's number at its authority and a subject's identifier.
 */
const RACED_KEYS = new Set(['misconduct_case_decision_key', 'subject_identifier_unique']);
/** Runs of one import when each loses such a race to a write committed meanwhile. */
const IMPORT_ATTEMPTS = 3;

/** A problem as the API would answer it, placed at a row and a column, identifiers masked. */
const problemOf = (row: number, d: ErrorDetail): RowProblem => ({
  row,
  column: columnOfField(d.field),
  code: d.code,
  message: maskResidentIdsIn(d.message),
});

/** The details of an AppError (or the error itself when it has none) as problems of `row`. */
const problemsOf = (row: number, error: unknown): RowProblem[] => {
  if (!(error instanceof AppError)) throw error;
  const details = error.details.length > 0 ? error.details : [{ code: error.code, message: error.message }];
  return details.map((d) => problemOf(row, d));
};

/** A decision field's value as compared across rows and with a recorded case (lists as sets). */
const comparable = (value: unknown): string =>
  JSON.stringify(Array.isArray(value) ? [...value].sort() : (value ?? null));

const subjectOf = (dto: CaseCreateDto) => dto.subjects[0];
const measureOf = (dto: CaseCreateDto) => dto.measures?.[0];

const measureKey = (dto: CaseCreateDto): string => {
  const x = measureOf(dto);
  return x
    ? comparable([
        x.type,
        x.startDate ?? null,
        x.endDate ?? null,
        x.lifetime ?? false,
        comparable(x.domains ?? []),
        x.note ?? null,
      ])
    : '';
};

/** A subject as compared between rows naming the same identifier. */
const subjectDescription = (s: CaseSubjectInputDto) =>
  comparable([s.subject!.kind, s.subject!.name, s.subject!.organisation ?? null]);

/**
 * Bulk import of historical decisions from CSV or XLSX. Each row is one subject with at most one
 * measure under a decision; rows sharing an authority and decision number are one case. Each row is
 * validated as the body of POST /api/v1/cases would be (the same DTO and the same checks), so its
 * problems carry the API's codes. A real run records everything in one transaction, or nothing.
 * Re-importing a decision already recorded the same way changes nothing.
 */
@Injectable()
export class ImportsService {
  constructor(
    private readonly cases: CasesService,
    private readonly subjects: SubjectsService,
    private readonly rules: RulesService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Checks the file and, unless `dryRun`, records it.
   * @throws AppError 400 for an unreadable file or unknown columns, 413 over MAX_IMPORT_ROWS rows,
   * 422 IMPORT_ROWS_INVALID (nothing recorded) when a real run finds any problem.
   */
  async run(ctx: RequestContext, upload: CheckJobUpload, dryRun: boolean): Promise<ImportReport> {
    const { format, rows } = await this.readFile(upload.buffer);
    const id = randomUUID();
    const about = {
      fileName: upload.fileName,
      format,
      sha256: createHash('sha256').update(upload.buffer).digest('hex'),
    };
    const base = { id, dryRun, ...about };
    if (dryRun) {
      const { report } = await this.analyse(this.dataSource.manager, base, rows);
      await this.audit.recordGrouped(ctx, {
        action: 'DECISIONS_IMPORT_CHECKED',
        targetType: 'IMPORT',
        targetId: id,
        changes: { ...about, dryRun, ...totals(report) },
      });
      return report;
    }
    let refused: ImportReport | undefined;
    try {
      // A decision or identifier written and committed since a run checked the registry (the same
      // file uploaded twice at once, say): the next run sees it, and answers as if this import had
      // come second (rows unchanged, or a conflict).
      return await retryUniqueViolations(RACED_KEYS, IMPORT_ATTEMPTS, () =>
        this.tx.run(async (m) => {
          const analysis = await this.analyse(m, base, rows);
          if (analysis.report.problems.length > 0) {
            refused = analysis.report;
            throw refusal(analysis.report);
          }
          const report = await this.audit.recordingTogether(m, () => this.record(m, ctx, analysis));
          await this.audit.record(m, ctx, {
            action: 'DECISIONS_IMPORTED',
            targetType: 'IMPORT',
            targetId: id,
            changes: { ...about, ...totals(report) },
          });
          return report;
        }),
      );
    } finally {
      if (refused) {
        await this.audit.recordGrouped(ctx, {
          action: 'DECISIONS_IMPORT_REFUSED',
          targetType: 'IMPORT',
          targetId: id,
          changes: { ...about, ...totals(refused) },
        });
      }
    }
  }

  /** The data rows of the file, read as case bodies (header: the first non-blank row). */
  private async readFile(buffer: Buffer): Promise<{ format: JobFileFormat; rows: ImportRow[] }> {
    const values = ruleValues((await this.rules.inForce()).data);
    return readSheet(buffer, {
      header: (cells) => resolveSheetColumns(cells, IMPORT_SHEET_HEADERS),
      row: (line, cells, columns) => readImportRow(line, cells, columns, values),
      maxRows: MAX_IMPORT_ROWS,
      tooMany: {
        code: ImportErrorCode.IMPORT_TOO_MANY_ROWS,
        message: `The file has more than ${MAX_IMPORT_ROWS} rows: split it into several imports`,
      },
      empty: {
        code: ImportErrorCode.IMPORT_FILE_EMPTY,
        noHeader: 'The file is empty',
        noRows: 'The file has a header row but no data row',
      },
    });
  }

  /** Checks every row as the case API would, then the rows of each decision together and against the registry. */
  private async analyse(
    m: EntityManager,
    base: Pick<ImportReport, 'id' | 'dryRun' | 'fileName' | 'format'>,
    rows: ImportRow[],
  ): Promise<Analysis> {
    const problems: RowProblem[] = rows.flatMap((r) => r.problems);
    const checked: CheckedRow[] = [];
    for (const r of rows) {
      const ok = await this.checkRow(r, problems);
      if (ok && r.problems.length === 0) checked.push(ok);
    }

    const holders = new Map<string, string>();
    const prepared = checked.flatMap((c) => c.identifiers.map((p) => ({ p, key: c.subjectKey })));
    for (const h of await this.subjects.holdersOf(
      m,
      prepared.map((x) => x.p),
    ))
      holders.set(prepared[h.index].key, h.subjectId);

    const groups = new Map<string, Group>();
    for (const c of checked) {
      const key = `${c.dto.authority}\u0000${c.dto.decisionNumber}`;
      let group = groups.get(key);
      if (!group) {
        group = { authority: c.dto.authority, decisionNumber: c.dto.decisionNumber!, rows: [] };
        groups.set(key, group);
      }
      group.rows.push(c);
    }

    const recorded = new Map(
      (await this.cases.findByDecisionNumbers(m, [...groups.values()])).map((c) => [
        `${c.authority}\u0000${c.decisionNumber}`,
        c,
      ]),
    );
    /** Clean rows of a decision already recorded (UNCHANGED), with the case's id. */
    const unchanged = new Map<number, string>();
    const toRecord: Group[] = [];
    for (const [key, group] of groups) {
      const found = groupProblems(group);
      const existing = recorded.get(key);
      if (existing) {
        const existingId = existing.id;
        for (const c of group.rows) {
          const conflict = found.has(c.row) ? undefined : compareWithRecorded(c, existing, holders);
          if (conflict) found.set(c.row, [conflict]);
          else if (!found.has(c.row)) unchanged.set(c.row, existingId);
        }
      } else {
        // Recorded only when no row has a problem; until then the clean rows count as NEW.
        const groupProblem = found.size === 0 ? await this.checkGroup(group) : undefined;
        if (groupProblem) found.set(group.rows[0].row, groupProblem);
        toRecord.push(group);
      }
      for (const list of found.values()) problems.push(...list);
    }

    const invalid = new Set(problems.map((p) => p.row));
    const clean = (g: Group) => g.rows.filter((c) => !invalid.has(c.row));
    const recordedRows = new Set(toRecord.flatMap((g) => clean(g).map((c) => c.row)));
    const report: ImportReport = {
      ...base,
      rows: rows.length,
      newRows: recordedRows.size,
      unchangedRows: unchanged.size,
      invalidRows: invalid.size,
      cases: toRecord.filter((g) => clean(g).length > 0).length,
      subjectsCreated: new Set(
        toRecord.flatMap((g) =>
          clean(g)
            .filter((c) => !holders.has(c.subjectKey))
            .map((c) => c.subjectKey),
        ),
      ).size,
      listingsProposed: toRecord.flatMap(clean).filter((c) => {
        const x = measureOf(c.dto);
        return x && c.ruleSet && measureType(c.ruleSet.data, x.type)?.putsOnList;
      }).length,
      problems: problems.sort((a, b) => a.row - b.row),
      outcomes: rows.map((r) => {
        const outcome: RowOutcome = invalid.has(r.row)
          ? 'INVALID'
          : recordedRows.has(r.row)
            ? 'NEW'
            : unchanged.has(r.row)
              ? 'UNCHANGED'
              : 'INVALID';
        return { row: r.row, outcome, caseId: unchanged.get(r.row) ?? null };
      }),
    };
    return { report, groups: toRecord, holders };
  }

  /**
   * One row through the case API's validation: the DTO (class-validator), the case checks, and the
   * subject's identifiers. Its problems are added to `problems`; undefined when it has any.
   */
  private async checkRow(r: ImportRow, problems: RowProblem[]): Promise<CheckedRow | undefined> {
    let dto: CaseCreateDto;
    try {
      dto = (await validation.transform(r.body, { type: 'body', metatype: CaseCreateDto })) as CaseCreateDto;
    } catch (error) {
      problems.push(...problemsOf(r.row, error));
      return undefined;
    }
    // The case API also records cases still REPORTED; an import is of decisions, identified by their number.
    if (!isDecided(dto.status)) {
      problems.push({
        row: r.row,
        column: 'status',
        code: ImportRowErrorCode.IMPORT_STATUS_NOT_DECIDED,
        message: `An import records decisions: status is DECIDED (the default) or FINAL, not ${dto.status}`,
      });
      return undefined;
    }
    try {
      const ruleSet = await this.cases.check(dto);
      const subject = subjectOf(dto).subject!;
      const identifiers = this.subjects.prepareIdentifiers(
        subject.kind,
        subject.identifiers ?? [],
        'subjects.0.subject.identifiers',
      );
      const subjectKey = identifiers.length
        ? identifiers.map((p) => `${p.type}/${p.issuingCountry}/${p.hash.toString('hex')}`).join(' ')
        : // Without an identifier, a name is one subject within a decision only: across decisions two
          // records of 张某某 are two subjects, as the case API records them.
          `name/${dto.authority}/${dto.decisionNumber}/${subject.kind}/${nameKey(subject.name)}/${nameKey(subject.organisation ?? '')}`;
      return { row: r.row, dto, ruleSet, identifiers, subjectKey };
    } catch (error) {
      problems.push(...problemsOf(r.row, error));
      return undefined;
    }
  }

  /** The whole case a group makes, through the DTO's limits (50 subjects, 100 measures). */
  private async checkGroup(group: Group): Promise<RowProblem[] | undefined> {
    if (group.rows.length === 1) return undefined;
    try {
      await validation.transform(JSON.parse(JSON.stringify(caseOf(group, new Map()))), {
        type: 'body',
        metatype: CaseCreateDto,
      });
      return undefined;
    } catch (error) {
      return problemsOf(group.rows[0].row, error).map((p) => ({
        ...p,
        column: 'decisionNumber',
        message: `The decision ${group.decisionNumber}: ${p.message}`,
      }));
    }
  }

  /** Records the groups of a clean analysis: subjects first (once each across the file), then each case. */
  private async record(m: EntityManager, ctx: RequestContext, analysis: Analysis): Promise<ImportReport> {
    const { report, groups, holders } = analysis;
    const ids = new Map(holders);
    let listings = 0;
    const caseOfRow = new Map<number, string>();
    for (const group of groups) {
      for (const c of group.rows) {
        if (ids.has(c.subjectKey)) continue;
        const created = await this.subjects.createWith(
          m,
          ctx,
          subjectOf(c.dto).subject!,
          `rows.${c.row}.identifiers`,
        );
        ids.set(c.subjectKey, created.id);
      }
      const created: CaseRow = await this.cases.recordWith(m, ctx, caseOf(group, ids), group.rows[0].ruleSet);
      listings += created.listingIds.length;
      for (const c of group.rows) caseOfRow.set(c.row, created.id);
    }
    return {
      ...report,
      listingsProposed: listings,
      outcomes: report.outcomes.map((o) =>
        caseOfRow.has(o.row) ? { ...o, caseId: caseOfRow.get(o.row)! } : o,
      ),
    };
  }
}

const totals = (r: ImportReport) => ({
  rows: r.rows,
  newRows: r.newRows,
  unchangedRows: r.unchangedRows,
  invalidRows: r.invalidRows,
  cases: r.cases,
  subjectsCreated: r.subjectsCreated,
  listingsProposed: r.listingsProposed,
  problems: r.problems.length,
});

/** The 422 of a real run with problems: every problem in the details, its row in `context.row`. */
function refusal(report: ImportReport): AppError {
  return new AppError(
    HttpStatus.UNPROCESSABLE_ENTITY,
    ImportErrorCode.IMPORT_ROWS_INVALID,
    `${report.invalidRows} of ${report.rows} rows have problems (${report.problems.length} in all): nothing was recorded`,
    report.problems.map((p) => ({
      field: p.column,
      code: p.code,
      message: p.message,
      context: { row: String(p.row) },
    })),
  );
}

/**
 * Problems among the rows of one decision: a decision field that differs from the first row's, one
 * subject described two ways, or a row repeating an earlier one. By row.
 */
function groupProblems(group: Group): Map<number, RowProblem[]> {
  const found = new Map<number, RowProblem[]>();
  const add = (row: number, p: Omit<RowProblem, 'row'>) =>
    found.set(row, [...(found.get(row) ?? []), { row, ...p }]);
  const [first] = group.rows;
  const subjects = new Map<string, CheckedRow>();
  const seen = new Map<string, number>();
  for (const c of group.rows) {
    for (const field of DECISION_COLUMNS) {
      if (c !== first && comparable(c.dto[field]) !== comparable(first.dto[field])) {
        add(c.row, {
          column: field,
          code: ImportRowErrorCode.IMPORT_DECISION_MISMATCH,
          message: `${field} differs from row ${first.row}, the first row of decision ${group.decisionNumber}`,
        });
      }
    }
    const earlier = subjects.get(c.subjectKey);
    if (!earlier) subjects.set(c.subjectKey, c);
    else if (subjectDescription(subjectOf(c.dto)) !== subjectDescription(subjectOf(earlier.dto))) {
      add(c.row, {
        column: 'name',
        code: ImportRowErrorCode.IMPORT_SUBJECT_MISMATCH,
        message: `The subject of row ${earlier.row} (same identifier) has another kind, name or organisation here`,
      });
    }
    const key = `${c.subjectKey}\u0000${measureKey(c.dto)}`;
    const repeated = seen.get(key);
    if (repeated !== undefined) {
      add(c.row, {
        column: 'measureType',
        code: ImportRowErrorCode.IMPORT_ROW_DUPLICATE,
        message: `Row ${repeated} gives the same decision, subject and measure`,
      });
    } else seen.set(key, c.row);
  }
  return found;
}

/**
 * Whether a row agrees with the case recorded under its decision number: the decision's fields, the
 * subject named in it, and the row's measure among the subject's. The problem where it does not.
 */
function compareWithRecorded(
  c: CheckedRow,
  existing: CaseRow,
  holders: Map<string, string>,
): RowProblem | undefined {
  const conflict = (column: string, message: string): RowProblem => ({
    row: c.row,
    column,
    code: ImportRowErrorCode.IMPORT_ROW_CONFLICT,
    message: `Decision ${existing.decisionNumber} is recorded (case ${existing.id}) ${message}`,
  });
  // Not the status: a recorded case moves on (复查, 申诉) and is still the same decision.
  for (const field of DECISION_COLUMNS.filter((f) => f !== 'status')) {
    const recorded = existing[field];
    const given = c.dto[field] ?? (Array.isArray(recorded) ? [] : null);
    if (comparable(given) !== comparable(recorded)) return conflict(field, `with another ${field}`);
  }
  const subject = subjectOf(c.dto).subject!;
  const subjectId = holders.get(c.subjectKey);
  const named = existing.subjects.find((s) =>
    subjectId ? s.subjectId === subjectId : c.identifiers.length === 0 && s.name === subject.name,
  );
  if (!named) return conflict('name', 'without this subject');
  const x = measureOf(c.dto);
  if (!x) return undefined;
  const same = existing.measures.some(
    (y) =>
      y.subjectId === named.subjectId &&
      y.type === x.type &&
      y.startDate === (x.startDate ?? null) &&
      y.endDate === (x.endDate ?? null) &&
      y.lifetime === (x.lifetime ?? false) &&
      comparable(y.domains) === comparable(x.domains ?? []) &&
      y.note === (x.note ?? null),
  );
  return same ? undefined : conflict('measureType', 'without this measure for this subject');
}

/**
 * The case body of a group: the first row's decision, each subject once (its roles from all its rows),
 * each row's measure. Subjects whose id `ids` knows are named by id, the others as new.
 */
function caseOf(group: Group, ids: Map<string, string>): CaseCreateDto {
  const [first] = group.rows;
  const refs = new Map<string, CaseSubjectInputDto>();
  for (const c of group.rows) {
    const s = subjectOf(c.dto);
    const known = refs.get(c.subjectKey);
    if (known) {
      known.roles = [...new Set([...known.roles, ...s.roles])];
      continue;
    }
    const ref = `s${refs.size + 1}`;
    const id = ids.get(c.subjectKey);
    refs.set(
      c.subjectKey,
      id ? { ref, subjectId: id, roles: s.roles } : { ref, subject: s.subject, roles: s.roles },
    );
  }
  return Object.assign(new CaseCreateDto(), {
    ...first.dto,
    subjects: [...refs.values()],
    measures: group.rows.flatMap((c) => {
      const x = measureOf(c.dto);
      return x ? [{ ...x, subjectRef: refs.get(c.subjectKey)!.ref }] : [];
    }),
  });
}
