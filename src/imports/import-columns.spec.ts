import { AppError } from '../common/errors/app-error';
import { resolveSheetColumns } from '../screening/jobs/check-job-columns';
import {
  columnOfField,
  dateOf,
  IMPORT_COLUMNS,
  IMPORT_SHEET_HEADERS,
  ImportColumn,
  readImportRow,
  RuleValues,
} from './import-columns';

const RULES: RuleValues = {
  measureTypes: { SERIOUS_DB_ENTRY: 'SERIOUS_DB_ENTRY', 记入科研诚信严重失信行为数据库: 'SERIOUS_DB_ENTRY' },
  domains: { PROJECT_FUNDING: 'PROJECT_FUNDING', '科研计划项目补助/立项': 'PROJECT_FUNDING' },
};

const columns = (...headers: string[]): ImportColumn[] => resolveSheetColumns(headers, IMPORT_SHEET_HEADERS);

describe('import columns', () => {
  it('reads the template headers (Chinese, with the required star) and the column keys', () => {
    const zh = columns(...IMPORT_COLUMNS.map((c) => `${c.zh}${c.required ? '*' : ''}`));
    const keys = columns(...IMPORT_COLUMNS.map((c) => c.key));
    expect(zh.map((c) => c.key)).toEqual(IMPORT_COLUMNS.map((c) => c.key));
    expect(keys.map((c) => c.key)).toEqual(IMPORT_COLUMNS.map((c) => c.key));
    expect(columns('名称 ', 'Organization').map((c) => c.key)).toEqual(['name', 'organisation']);
  });

  it('refuses an unknown header with IMPORT_COLUMNS_UNKNOWN, masking a number in it', () => {
    let error: unknown;
    try {
      columns('决定文号', '11010519491231002X');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('IMPORT_COLUMNS_UNKNOWN');
    expect((error as AppError).message).not.toContain('11010519491231002X');
  });

  it('refuses a column given twice', () => {
    expect(() => columns('姓名', 'name')).toThrow(
      expect.objectContaining({ code: 'IMPORT_COLUMN_DUPLICATE' }),
    );
  });
});

describe('readImportRow', () => {
  const cols = columns(
    '决定文号',
    '决定机关',
    '决定日期',
    '情节',
    '失信行为类型',
    '线索来源',
    '主体类型',
    '姓名',
    '证件号码',
    '主体角色',
    '处理措施',
    '措施开始日期',
    '措施结束日期',
    '终身',
    '限制领域',
  );
  const row = (cells: unknown[]) => readImportRow(7, cells as string[], cols, RULES);

  it('makes the body of a case recording: one subject, its measure, labels as codes, lists split', () => {
    const read = row([
      '泉科〔2020〕34号',
      '泉州市科学技术局',
      '2020/6/3',
      'serious',
      'PLAGIARISM；funds_misuse',
      'AUDIT',
      '法人',
      '某公司',
      '914403001922038216',
      'IMPLEMENTING_UNIT、PRINCIPAL_PERSON',
      '记入科研诚信严重失信行为数据库',
      '2020-07-01',
      '2023-06-30',
      '',
      '',
    ]);
    expect(read).toEqual({
      row: 7,
      problems: [],
      body: {
        status: 'DECIDED',
        decisionNumber: '泉科〔2020〕34号',
        authority: '泉州市科学技术局',
        decisionDate: '2020-06-03',
        severity: 'SERIOUS',
        misconductTypes: ['PLAGIARISM', 'FUNDS_MISUSE'],
        source: 'AUDIT',
        subjects: [
          {
            ref: 's',
            roles: ['IMPLEMENTING_UNIT', 'PRINCIPAL_PERSON'],
            // No ID type: an organisation's number is read as a USCC.
            subject: {
              kind: 'LEGAL_PERSON',
              name: '某公司',
              identifiers: [{ type: 'USCC', value: '914403001922038216' }],
            },
          },
        ],
        measures: [
          { subjectRef: 's', type: 'SERIOUS_DB_ENTRY', startDate: '2020-07-01', endDate: '2023-06-30' },
        ],
      },
    });
  });

  it('reads a lifetime bar and the domains by their Chinese names; no measure without a measure type', () => {
    const base = ['X', 'Y', '2020-01-02', 'SEVERE', 'OTHER', 'AUDIT', '自然人', '张某某', '', 'RESEARCHER'];
    const bar = row([...base, 'BAN_FUNDED_ACTIVITY', '2020-02-01', '', '是', '科研计划项目补助/立项']);
    expect(bar!.body.measures).toEqual([
      {
        subjectRef: 's',
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: '2020-02-01',
        lifetime: true,
        domains: ['PROJECT_FUNDING'],
      },
    ]);
    const none = row([...base, '', '', '', '', '']);
    expect(none!.body.measures).toBeUndefined();
    // A person without an ID number has no identifiers (a name-only record).
    expect((none!.body.subjects as { subject: object }[])[0].subject).toEqual({
      kind: 'NATURAL_PERSON',
      name: '张某某',
    });
  });

  it('leaves unknown codes for the validators, and reports what it cannot read itself', () => {
    const read = row([
      'X',
      'Y',
      'yesterday',
      'BAD',
      'PLAGIARISM',
      'AUDIT',
      '机器人',
      '张',
      // As Excel keeps an 18-digit number typed into a number cell: its first 15 digits.
      1.23456789012345e17,
      'R',
      'M',
      '',
      '',
      '也许',
      '',
    ]);
    expect(read!.body).toMatchObject({ decisionDate: 'yesterday', severity: 'BAD' });
    expect((read!.body.subjects as { subject: { kind: string } }[])[0].subject.kind).toBe('机器人');
    expect(read!.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [7, 'idNumber', 'ID_NUMBER_NOT_TEXT'],
      [7, 'lifetime', 'IMPORT_VALUE_NOT_BOOLEAN'],
    ]);
  });

  it('skips a row with nothing in it', () => {
    expect(row(['', null, undefined, '  '])).toBeNull();
  });
});

describe('dateOf', () => {
  it('reads Excel serial dates, slashes and dots; leaves anything else', () => {
    expect(dateOf(44687)).toBe('2022-05-06');
    expect(dateOf(61)).toBe('1900-03-01');
    expect(dateOf(new Date(Date.UTC(2021, 0, 31)))).toBe('2021-01-31');
    expect(dateOf('2021.1.5')).toBe('2021-01-05');
    expect(dateOf('2021-13-45')).toBe('2021-13-45');
    expect(dateOf(1.5)).toBe('1.5');
  });
});

describe('columnOfField', () => {
  it.each([
    ['subjects.0.subject.identifiers.0.value', 'idNumber'],
    ['subjects.0.subject.identifiers.0.issuingCountry', 'country'],
    ['subjects.0.subject.kind', 'kind'],
    ['subjects.0.roles.1', 'roles'],
    ['measures.0.endDate', 'measureEnd'],
    ['measures.0.domains.0', 'domains'],
    ['misconductTypes.2', 'misconductTypes'],
    ['decisionDate', 'decisionDate'],
    [undefined, 'file'],
  ])('%s → %s', (field, column) => {
    expect(columnOfField(field)).toBe(column);
  });
});
