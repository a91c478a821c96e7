import ExcelJS from 'exceljs';
import { AppError } from '../common/errors/app-error';
import { readInspectorPool, readTargetPool } from './pool-file';

const csv = (text: string) => Buffer.from(text);

async function refusal(reading: Promise<unknown>): Promise<AppError> {
  try {
    await reading;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('target pool files', () => {
  it('reads Chinese headers and kind labels; an enterprise is its own organisation', async () => {
    const file = await readTargetPool(
      csv(
        '\uFEFF编号,类型,名称,承担单位,区域,项目类别,项目负责人,负责人证件号码\n' +
          'P-1,科研项目,新材料研究,某某大学（北京）,鼓楼区,重点研发,张三丰,11010519491231002x\n' +
          '\n' +
          'E-1,企业,某某科技有限公司,,台江区,,,\n',
      ),
    );
    expect(file.format).toBe('CSV');
    expect(file.lines).toEqual([2, 3]);
    expect(file.rows).toEqual([
      {
        key: 'P-1',
        kind: 'PROJECT',
        name: '新材料研究',
        organisation: '某某大学（北京）',
        organisationKey: '某某大学北京',
        uscc: null,
        district: '鼓楼区',
        category: '重点研发',
        principalInvestigator: '张三丰',
        piIdNumber: '11010519491231002X',
      },
      expect.objectContaining({ key: 'E-1', kind: 'ENTERPRISE', organisation: '某某科技有限公司' }),
    ]);
  });

  it('refuses the whole file, naming every problem by row, column and code, with ID numbers masked', async () => {
    const error = await refusal(
      readTargetPool(
        csv(
          'key,kind,name,district,uscc,piIdNumber\n' +
            'T1,PROJECT,a,x,,\n' +
            'T1,SHIP,b,a|b,914403001922038217,110105194912310021\n' +
            '11010519491231002X,PROJECT,c,,,\n',
        ),
      ),
    );
    expect(error.code).toBe('POOL_ROWS_INVALID');
    const details = error.details.map((d) => `${d.field} ${d.code}`);
    expect(details).toEqual(['rows.3.key KEY_DUPLICATE', 'rows.4.key KEY_INVALID']);
    const next = await refusal(
      readTargetPool(
        csv('key,kind,name,district,uscc,piIdNumber\nT2,SHIP,b,a|b,914403001922038217,110105194912310021\n'),
      ),
    );
    expect(next.details.map((d) => `${d.field} ${d.code}`)).toEqual([
      'rows.2.kind KIND_UNKNOWN',
      'rows.2.district STRATUM_SEPARATOR',
      'rows.2.uscc USCC_CHECKSUM',
      'rows.2.piIdNumber RESIDENT_ID_CHECKSUM',
      'rows.2.principalInvestigator REQUIRED',
    ]);
    for (const text of [next.message, JSON.stringify(next.details)])
      expect(text).not.toContain('110105194912310021');
    // An ID number given as the kind: the one column whose value the first problem's message quotes back.
    const quoted = await refusal(readTargetPool(csv('key,kind,name\nT3,11010519491231002X,c\n')));
    expect(quoted.details.map((d) => `${d.field} ${d.code}`)).toEqual(['rows.2.kind KIND_UNKNOWN']);
    expect(quoted.message).toContain('rows.2.kind');
    for (const text of [quoted.message, JSON.stringify(quoted.details)]) {
      expect(text).toContain('110105');
      expect(text).not.toMatch(/11010519491231002X/i);
    }
  });

  it('refuses unknown and missing columns before any row', async () => {
    const error = await refusal(readTargetPool(csv('key,name,colour\nT1,a,red\n')));
    expect(error.code).toBe('POOL_COLUMNS_INVALID');
    expect(error.details).toEqual([
      expect.objectContaining({ field: 'colour', code: 'UNKNOWN_COLUMN' }),
      expect.objectContaining({ field: 'kind', code: 'MISSING_COLUMN' }),
    ]);
  });
});

describe('inspector pool files', () => {
  it('reads an XLSX file: identifiers normalised, declared conflicts as keys and organisation name keys', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('专家');
    sheet.addRow(['专家编号', '姓名', '工作单位', '证件号码', '申报回避']);
    sheet.addRow(['E1', '李四', '某某大学', '440524188001010014', 'T-9；某某研究院 (福州)']);
    sheet.addRow(['E2', '王五', '', '', '']);
    const file = await readInspectorPool(Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(file.format).toBe('XLSX');
    expect(file.rows[0]).toEqual({
      key: 'E1',
      name: '李四',
      organisation: '某某大学',
      organisationKey: '某某大学',
      field: '',
      subjectId: null,
      identifier: { type: 'RESIDENT_ID', value: '440524188001010014', issuingCountry: '' },
      conflictKeys: ['T-9', 't9', '某某研究院福州'],
    });
    expect(file.rows[1]).toMatchObject({ key: 'E2', identifier: null, conflictKeys: [] });
  });

  it('refuses a malformed subject link and a passport without its country', async () => {
    const error = await refusal(
      readInspectorPool(
        csv('key,name,subjectId,idType,idNumber\nE1,a,not-a-uuid,,\nE2,b,,PASSPORT,E1234567\n'),
      ),
    );
    expect(error.details.map((d) => `${d.field} ${d.code}`)).toEqual([
      'rows.2.subjectId SUBJECT_ID_INVALID',
      expect.stringMatching(/^rows\.3\.country /),
    ]);
  });
});
