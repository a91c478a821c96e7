import ExcelJS from 'exceljs';
import { AppError } from '../../common/errors/app-error';
import { residentIdCheckChar } from '../../identifiers/identifiers';
import {
  cellText,
  JobColumn,
  maskUnchecked,
  MAX_SHOWN_CELL_CHARS,
  readRow,
  resolveColumns,
} from './check-job-columns';
import { detectFormat, readApplicantFile } from './check-job-file';

const mask = (type: string, value: string) => `${type}:${value.slice(0, 2)}…`;
const first17 = '11010519800101001';
const validId = first17 + residentIdCheckChar(first17);
const badId = first17 + (residentIdCheckChar(first17) === '0' ? '1' : '0');

const columns = (...headers: string[]): JobColumn[] => resolveColumns(headers);

const rejection = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
};

describe('resolveColumns', () => {
  it('reads English and Chinese headers, ignoring case, spaces, full-width forms and a trailing star', () => {
    expect(
      columns('序号', '主体类型', '姓名*', ' 工作单位 ', '证件类型', '证件号码', '签发国家').map(
        (c) => c.key,
      ),
    ).toEqual(['ref', 'kind', 'name', 'organisation', 'idType', 'idNumber', 'country']);
    expect(columns('Ref', 'ＮＡＭＥ', 'ID Number', 'organization').map((c) => [c.key, c.index])).toEqual([
      ['ref', 0],
      ['name', 1],
      ['idNumber', 2],
      ['organisation', 3],
    ]);
    expect(columns('申请编号', '名称', '单位').map((c) => c.key)).toEqual(['ref', 'name', 'organisation']);
  });

  it('skips blank headers', () => {
    expect(resolveColumns(['name', null, '', 'ref']).map((c) => [c.key, c.index])).toEqual([
      ['name', 0],
      ['ref', 3],
    ]);
  });

  it('names every unknown header', () => {
    const error = rejection(() => columns('姓名', '性别', 'email'));
    expect(error.code).toBe('CHECK_JOB_COLUMNS_UNKNOWN');
    expect(error.message).toContain('"性别", "email"');
    expect(error.details.map((d) => d.field)).toEqual(['性别', 'email']);
  });

  it('masks an ID number found where the header row belongs', () => {
    const error = rejection(() => columns('张三', validId));
    const masked = `${validId.slice(0, 6)}********${validId.slice(14)}`;
    expect(error.message).toMatch(
      new RegExp(`^Unknown columns: "张三", "${masked.replace(/\*/g, '\\*')}"\\. `),
    );
    expect(error.details.map((d) => d.field)).toEqual(['张三', masked]);
    expect(JSON.stringify(error)).not.toContain(validId);
  });

  it('refuses a file without a name column, and a column given twice', () => {
    expect(rejection(() => columns('ref', 'idNumber')).code).toBe('CHECK_JOB_NAME_COLUMN_MISSING');
    expect(rejection(() => columns('姓名', '名称')).code).toBe('CHECK_JOB_COLUMN_DUPLICATE');
  });
});

describe('readRow', () => {
  const all = columns('ref', 'kind', 'name', 'organisation', 'idType', 'idNumber', 'country');
  const row = (cells: Partial<Record<string, unknown>>) =>
    readRow(
      all.map((c) => cells[c.key] as string),
      all,
      mask,
    );

  it('makes an applicant, in Chinese values too, with the ID number normalised and masked for display', () => {
    expect(
      row({ ref: 7, kind: '自然人', name: ' 张三 ', idType: '居民身份证', idNumber: validId.toLowerCase() }),
    ).toEqual({
      cells: ['7', '自然人', '张三', '', '居民身份证', `RESIDENT_ID:${validId.slice(0, 2)}…`, ''],
      applicant: {
        ref: '7',
        kind: 'NATURAL_PERSON',
        name: '张三',
        identifier: { type: 'RESIDENT_ID', value: validId },
      },
    });
  });

  it('skips a row with nothing in it', () => {
    expect(row({})).toBeNull();
  });

  it('reads an ID number without a type as a USCC for organisations and a resident ID otherwise', () => {
    expect(row({ name: 'x', idNumber: validId })?.applicant?.identifier?.type).toBe('RESIDENT_ID');
    expect(row({ name: 'x', kind: '法人', idNumber: validId })?.error?.code).toMatch(/^USCC_/);
  });

  it('answers a bad value with an ERROR row naming the column, never a failure', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'x', kind: 'ROBOT' }, 'KIND_UNKNOWN', 'kind'],
      [{ name: '', ref: 'A-1' }, 'NAME_MISSING', 'name'],
      [{ name: '\u200b\u2060' }, 'NAME_MISSING', 'name'],
      [{ name: '%' }, 'NAME_MISSING', 'name'],
      [{ name: 'x'.repeat(201) }, 'VALUE_TOO_LONG', 'name'],
      [{ name: 'x', idType: 'DRIVING_LICENCE', idNumber: 'D1' }, 'ID_TYPE_UNKNOWN', 'idType'],
      [{ name: 'x', idNumber: badId }, 'RESIDENT_ID_CHECKSUM', 'idNumber'],
      [{ name: 'x', idNumber: 1.1010519800101e17 }, 'ID_NUMBER_NOT_TEXT', 'idNumber'],
      [{ name: 'x', idType: 'PASSPORT', idNumber: 'E1234567' }, 'COUNTRY_REQUIRED', 'country'],
      [
        { name: 'x', idType: 'PASSPORT', idNumber: 'E1234567', country: 'U.S.' },
        'COUNTRY_INVALID',
        'country',
      ],
      [{ name: 'x', idNumber: validId, country: 'US' }, 'COUNTRY_NOT_ALLOWED', 'country'],
    ];
    for (const [cells, code, field] of cases) {
      expect(row(cells)?.error).toMatchObject({ code, field });
    }
  });

  it('never shows an ID number whole, even an invalid one', () => {
    expect(row({ name: 'x', idNumber: badId })?.cells[5]).toBe(
      `${badId.slice(0, 6)}********${badId.slice(14)}`,
    );
    expect(row({ name: 'x', kind: 'ROBOT', idNumber: validId })?.cells[5]).not.toContain(
      validId.slice(6, 14),
    );
    expect(maskUnchecked('AB12')).toBe('****');
    expect(row({ name: 'x', kind: validId, ref: 'A-1' })?.cells.slice(0, 2)).toEqual([
      'A-1',
      `${validId.slice(0, 6)}********${validId.slice(14)}`,
    ]);
  });

  it('masks a value quoted in an error message where it could be an ID number, and quotes words as they are', () => {
    const masked = `${validId.slice(0, 6)}********${validId.slice(14)}`;
    expect(row({ name: 'x', kind: validId })?.error?.message).toBe(
      `"${masked}" is not a kind: NATURAL_PERSON, LEGAL_PERSON or UNINCORPORATED_ORG (自然人, 法人, 非法人组织)`,
    );
    expect(row({ name: 'x', idType: 'E1234567', idNumber: 'E1234567' })?.error?.message).toMatch(
      /^"E1\*{4}67" is not an ID type/,
    );
    expect(row({ name: 'x', idType: 'PASSPORT', idNumber: 'E1234567', country: validId })?.error).toEqual({
      code: 'COUNTRY_INVALID',
      field: 'country',
      message: 'The issuing country is not an ISO 3166 alpha-2 or alpha-3 code (e.g. US)',
    });
    expect(row({ name: 'x', kind: 'ROBOT' })?.error?.message).toMatch(/^"ROBOT" is not a kind/);
  });

  it('reads names as a check does: invisible format characters removed, a letter or digit required', () => {
    expect(row({ name: '张\u200b三 ', organisation: '\u200e某某大学' })?.applicant).toEqual({
      name: '张三',
      organisation: '某某大学',
    });
    expect(row({ name: '——' })?.error).toEqual({
      code: 'NAME_MISSING',
      field: 'name',
      message: 'The name has no letter or digit',
    });
  });

  it('takes passports with their country and lets CN through on a Chinese identifier', () => {
    expect(
      row({ name: 'x', idType: '护照', idNumber: 'e 1234567', country: 'us' })?.applicant?.identifier,
    ).toEqual({ type: 'PASSPORT', value: 'E1234567', issuingCountry: 'US' });
    expect(row({ name: 'x', idNumber: validId, country: 'CN' })?.applicant?.identifier).toEqual({
      type: 'RESIDENT_ID',
      value: validId,
    });
  });

  it('reads cells as text: whole numbers plainly, dates as days', () => {
    expect(cellText(12)).toBe('12');
    expect(cellText(new Date('2026-03-01T00:00:00Z'))).toBe('2026-03-01');
    expect(cellText(null)).toBe('');
  });
});

describe('readApplicantFile', () => {
  const csv = (text: string) => Buffer.from(text, 'utf8');

  it('reads CSV with or without a BOM, skipping blank lines', async () => {
    for (const bom of ['', '\uFEFF']) {
      const file = await readApplicantFile(
        csv(`${bom}姓名,证件号码\r\n张三,${validId}\r\n\r\n"李,四",\r\n`),
        mask,
      );
      expect(file.format).toBe('CSV');
      expect(file.columns.map((c) => c.header)).toEqual(['姓名', '证件号码']);
      expect(file.rows.map((r) => r.applicant?.name)).toEqual(['张三', '李,四']);
    }
  });

  it('masks the field a CSV parse error quotes', async () => {
    const error = await readApplicantFile(csv(`name,idNumber\nn,${validId}"x"\n`), mask).catch((e) => e);
    expect(error).toMatchObject({
      code: 'CHECK_JOB_FILE_FORMAT',
      message: `The CSV file cannot be read: Invalid Opening Quote: a quote is found on field 1 at line 2, value is "${validId.slice(0, 6)}********${validId.slice(14)}"`,
    });
    const passport = await readApplicantFile(csv('name,idNumber\nn,E1234567"x"\n'), mask).catch((e) => e);
    expect(passport.message).toMatch(/value is "E1\*{4}67"$/);
  });

  it('refuses a CSV that is not UTF-8, and an old .xls', async () => {
    const gbk = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0d, 0x0a, 0xd5, 0xc5, 0xc8, 0xfd]); // 姓名\r\n张三 in GBK
    await expect(readApplicantFile(gbk, mask)).rejects.toMatchObject({ code: 'CHECK_JOB_FILE_ENCODING' });
    expect(() => detectFormat(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]))).toThrow(/\.xls/);
  });

  it('refuses an empty file, a header without rows, and more rows than allowed', async () => {
    await expect(readApplicantFile(csv(''), mask)).rejects.toMatchObject({ code: 'CHECK_JOB_FILE_EMPTY' });
    await expect(readApplicantFile(csv('name\r\n,\r\n'), mask)).rejects.toMatchObject({
      code: 'CHECK_JOB_FILE_EMPTY',
    });
    await expect(readApplicantFile(csv('name\na\nb\nc\n'), mask, 2)).rejects.toMatchObject({
      status: 413,
      code: 'CHECK_JOB_TOO_MANY_ROWS',
    });
    expect((await readApplicantFile(csv('name\na\nb\n'), mask, 2)).rows).toHaveLength(2);
  });

  it('reads the first worksheet of an XLSX, with rich text, formulas and numbers', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('名单');
    sheet.addRow(['序号', '姓名', '单位']);
    sheet.addRow([
      1,
      { richText: [{ text: '王' }, { text: '五' }] },
      { formula: '"某"&"大学"', result: '某大学' },
    ]);
    sheet.addRow([]);
    sheet.addRow([2, '赵六']);
    workbook.addWorksheet('other').addRow(['ignored']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const file = await readApplicantFile(buffer, mask);
    expect(file.format).toBe('XLSX');
    expect(file.rows.map((r) => r.cells)).toEqual([
      ['1', '王五', '某大学'],
      ['2', '赵六', ''],
    ]);
    await expect(readApplicantFile(buffer, mask, 1)).rejects.toMatchObject({
      code: 'CHECK_JOB_TOO_MANY_ROWS',
    });
  });

  it('refuses a damaged XLSX as a bad file', async () => {
    const broken = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 1)]);
    await expect(readApplicantFile(broken, mask)).rejects.toMatchObject({ code: 'CHECK_JOB_FILE_FORMAT' });
  });
});

describe('readRow with an oversized cell', () => {
  it('keeps at most MAX_SHOWN_CELL_CHARS of it to show again, and answers the row an ERROR', () => {
    const columns = resolveColumns(['姓名', '单位']);
    const row = readRow(['A'.repeat(5_000_000), '某大学'], columns, (_t, v) => v);
    expect(row!.cells[0]).toHaveLength(MAX_SHOWN_CELL_CHARS);
    expect(row!.cells[0].endsWith('…')).toBe(true);
    expect(row!.cells[1]).toBe('某大学');
    expect(row).toMatchObject({ error: { code: 'VALUE_TOO_LONG', field: 'name' } });
  });
});
