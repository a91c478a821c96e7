import ExcelJS from 'exceljs';
import { CASE_SOURCES, CASE_SUBJECT_ROLES, MISCONDUCT_TYPES } from '../cases/cases.types';
import { csvLine } from '../common/csv';
import { RuleData, SEVERITIES } from '../rules/rules';
import { IMPORT_COLUMNS, LABELLED_VALUES } from './import-columns';

/** The template's header row: the Chinese headers, "*" on the required ones. */
const templateHeaders = (): string[] => IMPORT_COLUMNS.map((c) => `${c.zh}${c.required ? '*' : ''}`);

const exampleRow = (): string[] => IMPORT_COLUMNS.map((c) => c.example);

/** The CSV template: UTF-8 with a BOM (spreadsheet programs then read the Chinese right), header and example. */
export function templateCsv(): Buffer {
  return Buffer.from('\uFEFF' + csvLine(templateHeaders()) + csvLine(exampleRow()), 'utf8');
}

/**
 * The XLSX template: the first sheet has the header row and an example row (the ID number column
 * formatted as text, so long numbers keep their digits); the second documents each column and the
 * values the code columns take, measure types and review domains from the rule data in force.
 */
export async function templateXlsx(rules: RuleData): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('决定 decisions', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(templateHeaders()).font = { bold: true };
  sheet.addRow(exampleRow());
  IMPORT_COLUMNS.forEach((c, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = Math.max(12, c.zh.length * 2 + 4);
    if (c.key === 'idNumber' || c.key === 'decisionNumber') column.numFmt = '@';
  });

  const doc = workbook.addWorksheet('说明 columns');
  doc.addRow(['列 header', 'key', '必填 required', '多值 list', '说明 description', '示例 example']).font = {
    bold: true,
  };
  for (const c of IMPORT_COLUMNS) {
    doc.addRow([
      c.zh,
      c.key,
      c.required ? '是 yes' : '否 no',
      c.list ? '是 yes' : '',
      c.description,
      c.example,
    ]);
  }
  doc.addRow([]);
  doc.addRow(['取值 allowed values', 'code', '中文']).font = { bold: true };
  const labelled = (column: string, labels: Readonly<Record<string, string>>) =>
    Object.entries(labels).map(([code, label]) => [column, code, label]);
  const codes = (column: string, list: readonly string[]) => list.map((code) => [column, code, '']);
  const values = [
    ...labelled('kind', LABELLED_VALUES.kind),
    ...labelled('idType', LABELLED_VALUES.idType),
    ...codes('severity', SEVERITIES),
    ...codes('misconductTypes', MISCONDUCT_TYPES),
    ...codes('source', CASE_SOURCES),
    ...codes('roles', CASE_SUBJECT_ROLES),
    ...rules.measureTypes.map((t) => ['measureType', t.code, t.label]),
    ...rules.reviewDomains.map((d) => ['domains', d.code, d.label]),
  ];
  for (const v of values) doc.addRow(v);
  doc.getColumn(1).width = 18;
  doc.getColumn(2).width = 28;
  doc.getColumn(5).width = 60;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
