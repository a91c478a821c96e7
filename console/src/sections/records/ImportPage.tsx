import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  Popconfirm,
  Space,
  Table,
  Tag,
  Typography,
  Upload,
  type ButtonProps,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import {
  ApiError,
  call,
  errorLines,
  importsControllerGetImportTemplate,
  importsControllerImportDecisions,
  saveBlob,
  type ImportProblemDto,
  type ImportReportDto,
  type ImportRowOutcomeDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { useSectionText } from '../types';
import { text, useCodeLabel } from './codes';
import { messages } from './messages';
import { CardTitle, Forbidden, PageTitle } from './shared';

const ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const REFUSED = 'IMPORT_ROWS_INVALID';

/** A problem as the table shows it, keyed for React. */
type Problem = ImportProblemDto & { key: string };

/** The problems of a refused real run, from the 422's details (`field` the column, `context.row` the row). */
export function problemsOfRefusal(error: ApiError): ImportProblemDto[] {
  return error.details.map((d) => ({
    row: Number(d.context?.row ?? 0),
    column: d.field,
    code: d.code,
    message: d.message,
  }));
}

/** An error the page shows as the server words it. */
interface Shown {
  title: string;
  lines: string[];
}

/**
 * 批量导入处理决定: download the template, check a file without recording anything, then import it, all or
 * nothing. The import is offered only once a check of the same file has found no problem; it asks for
 * confirmation first, naming what it will record.
 */
export function ImportPage() {
  const { hasRole } = useAuth();
  const s = useSectionText(messages);
  if (!hasRole('RECORDER') && !hasRole('ADMIN')) {
    return <Forbidden title={s('forbiddenTitle')} text={s('importRecorderOnly')} />;
  }
  return <ImportForm />;
}

function ImportForm() {
  const s = useSectionText(messages);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState<'check' | 'import' | 'csv' | 'xlsx' | null>(null);
  const [report, setReport] = useState<ImportReportDto | null>(null);
  const [problems, setProblems] = useState<ImportProblemDto[]>([]);
  const [error, setError] = useState<Shown | null>(null);
  // The file whose check found no problem: only that one may be imported.
  const [cleanFile, setCleanFile] = useState<File | null>(null);

  const reset = (next: File | null) => {
    setFile(next);
    setCleanFile(null);
    setReport(null);
    setProblems([]);
    setError(null);
  };

  const download = async (format: 'csv' | 'xlsx') => {
    setBusy(format);
    setError(null);
    try {
      const blob = await call(importsControllerGetImportTemplate({ query: { format }, parseAs: 'blob' }));
      saveBlob(blob as Blob, `decisions-import-template.${format}`);
    } catch (e) {
      setError({ title: s('loadFailed'), lines: errorLines(e) });
    } finally {
      setBusy(null);
    }
  };

  const run = async (dryRun: boolean) => {
    if (!file) {
      setError({ title: s('importCheckFailed'), lines: [s('importFileRequired')] });
      return;
    }
    setBusy(dryRun ? 'check' : 'import');
    setError(null);
    try {
      const result = await call(
        importsControllerImportDecisions({ body: { dryRun: dryRun ? 'true' : 'false', file } }),
      );
      setReport(result);
      setProblems(result.problems);
      setCleanFile(dryRun && result.problems.length === 0 ? file : null);
    } catch (e) {
      setReport(null);
      setCleanFile(null);
      if (e instanceof ApiError && e.code === REFUSED) {
        setProblems(problemsOfRefusal(e));
        setError({ title: s('importRefused'), lines: [e.message] });
      } else {
        setProblems([]);
        setError({ title: dryRun ? s('importCheckFailed') : s('importFailed'), lines: errorLines(e) });
      }
    } finally {
      setBusy(null);
    }
  };

  const canImport = file !== null && file === cleanFile;

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{s('importTitle')}</PageTitle>
      <Typography.Paragraph style={{ margin: 0, maxWidth: 900 }}>{s('importIntro')}</Typography.Paragraph>
      <Card title={<CardTitle>{s('importTemplate')}</CardTitle>}>
        <Typography.Paragraph>{s('importTemplateHelp')}</Typography.Paragraph>
        <Space wrap>
          {(['csv', 'xlsx'] as const).map((format) => (
            <Button
              key={format}
              icon={<DownloadOutlined />}
              loading={busy === format}
              onClick={() => void download(format)}
              data-testid={`import-template-${format}`}
            >
              {s(format === 'csv' ? 'importTemplateCsv' : 'importTemplateXlsx')}
            </Button>
          ))}
        </Space>
      </Card>
      <Card title={<CardTitle>{s('importFileCard')}</CardTitle>}>
        <Form layout="vertical" name="import" style={{ maxWidth: 720 }}>
          <Form.Item label={s('importFile')} htmlFor="import-file" extra={s('importRunHelp')}>
            <Upload
              id="import-file"
              accept={ACCEPT}
              maxCount={1}
              beforeUpload={(f) => {
                reset(f);
                return false;
              }}
              onRemove={() => reset(null)}
              data-testid="import-file"
            >
              <Button icon={<UploadOutlined />}>{s('importFileChoose')}</Button>
            </Upload>
          </Form.Item>
          <Space wrap>
            <Button
              type="primary"
              loading={busy === 'check'}
              disabled={busy !== null && busy !== 'check'}
              onClick={() => void run(true)}
              data-testid="import-dry-run"
            >
              {s('importDryRun')}
            </Button>
            <Popconfirm
              title={s('importConfirmTitle')}
              description={
                report
                  ? s('importConfirmText', {
                      rows: report.rows,
                      newRows: report.newRows,
                      cases: report.cases,
                      listings: report.listingsProposed,
                    })
                  : undefined
              }
              okText={s('importConfirmOk')}
              cancelText={s('importConfirmCancel')}
              okButtonProps={{ 'data-testid': 'import-confirm' } as ButtonProps}
              onConfirm={() => void run(false)}
              disabled={!canImport}
            >
              <Button
                danger
                disabled={!canImport || busy !== null}
                loading={busy === 'import'}
                data-testid="import-run"
              >
                {s('importRun')}
              </Button>
            </Popconfirm>
          </Space>
        </Form>
      </Card>
      {error && (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="import-error"
          title={error.title}
          description={error.lines.map((line, i) => (
            <div key={i}>{line}</div>
          ))}
        />
      )}
      {report && <ReportCard report={report} />}
      {problems.length > 0 && <ProblemsCard problems={problems} />}
      {report && report.outcomes.length > 0 && <OutcomesCard outcomes={report.outcomes} />}
    </Space>
  );
}

function ReportCard({ report }: { report: ImportReportDto }) {
  const s = useSectionText(messages);
  const totals: [string, number, string][] = [
    ['rows', report.rows, s('importRows')],
    ['new', report.newRows, s('importNewRows')],
    ['unchanged', report.unchangedRows, s('importUnchangedRows')],
    ['invalid', report.invalidRows, s('importInvalidRows')],
    ['cases', report.cases, s('importCases')],
    ['subjects', report.subjectsCreated, s('importSubjectsCreated')],
    ['listings', report.listingsProposed, s('importListingsProposed')],
  ];
  const heading = s(report.dryRun ? 'importReportDry' : 'importReportDone', { file: report.fileName });
  return (
    <Card title={<CardTitle>{heading}</CardTitle>} data-testid="import-report" data-dry-run={report.dryRun}>
      <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
        <Descriptions
          bordered
          size="small"
          column={{ xs: 1, sm: 2, md: 4, lg: 7 }}
          layout="vertical"
          data-testid="import-totals"
          items={totals.map(([key, value, label]) => ({
            key,
            label,
            children: <span data-testid={`import-total-${key}`}>{value}</span>,
          }))}
        />
        {report.dryRun && report.problems.length === 0 && (
          <Alert
            type="success"
            showIcon
            data-testid="import-clean"
            title={report.newRows > 0 ? s('importClean') : s('importNothingNew')}
          />
        )}
        {!report.dryRun && report.listingsProposed > 0 && (
          <Alert
            type="info"
            showIcon
            data-testid="import-approval-note"
            title={s('importApprovalNote', { n: report.listingsProposed })}
            description={<Link to="/approvals">{s('importApprovalLink')}</Link>}
          />
        )}
      </Space>
    </Card>
  );
}

function ProblemsCard({ problems }: { problems: ImportProblemDto[] }) {
  const s = useSectionText(messages);
  const label = useCodeLabel();
  const rows: Problem[] = problems.map((p, i) => ({ ...p, key: `${p.row}-${p.column}-${p.code}-${i}` }));
  const distinct = (values: string[]) => [...new Set(values)].sort().map((v) => ({ text: v, value: v }));
  const columns: TableColumnsType<Problem> = [
    {
      title: s('importProblemRow'),
      dataIndex: 'row',
      width: 80,
      sorter: (a, b) => a.row - b.row,
      defaultSortOrder: 'ascend',
    },
    {
      title: s('importProblemColumn'),
      dataIndex: 'column',
      width: 200,
      filters: distinct(problems.map((p) => p.column)).map((f) => ({
        ...f,
        text: `${label('importColumn', f.value)} (${f.value})`,
      })),
      onFilter: (value, p) => p.column === value,
      render: (column: string) => (
        <span data-testid="import-problem-column" data-column={column}>
          {label('importColumn', column)} <Typography.Text type="secondary">{column}</Typography.Text>
        </span>
      ),
    },
    {
      title: s('importProblemCode'),
      dataIndex: 'code',
      width: 260,
      sorter: (a, b) => a.code.localeCompare(b.code),
      filters: distinct(problems.map((p) => p.code)),
      onFilter: (value, p) => p.code === value,
      render: (code: string) => <code data-testid="import-problem-code">{code}</code>,
    },
    { title: s('importProblemMessage'), dataIndex: 'message' },
  ];
  return (
    <Card title={<CardTitle>{s('importProblems', { n: problems.length })}</CardTitle>}>
      <Table<Problem>
        size="small"
        columns={columns}
        dataSource={rows}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        onRow={(p) => ({ 'data-testid': 'import-problem', 'data-row': p.row }) as object}
        data-testid="import-problems"
      />
    </Card>
  );
}

function OutcomesCard({ outcomes }: { outcomes: ImportRowOutcomeDto[] }) {
  const s = useSectionText(messages);
  const label = useCodeLabel();
  // Colours whose text meets WCAG AA contrast (antd's green tag does not).
  const color = { NEW: 'blue', UNCHANGED: 'default', INVALID: 'red' } as const;
  const columns: TableColumnsType<ImportRowOutcomeDto> = [
    { title: s('importProblemRow'), dataIndex: 'row', width: 80, sorter: (a, b) => a.row - b.row },
    {
      title: s('importOutcome'),
      dataIndex: 'outcome',
      width: 200,
      filters: (['NEW', 'UNCHANGED', 'INVALID'] as const).map((o) => ({
        text: label('importOutcome', o),
        value: o,
      })),
      onFilter: (value, o) => o.outcome === value,
      render: (outcome: ImportRowOutcomeDto['outcome']) => (
        <Tag color={color[outcome]} data-testid="import-outcome" data-outcome={outcome}>
          {label('importOutcome', outcome)}
        </Tag>
      ),
    },
    {
      title: s('importCase'),
      dataIndex: 'caseId',
      render: (caseId: unknown) => {
        const id = text(caseId);
        return id ? (
          <Link to={`/records/cases/${id}`} data-testid="import-case-link">
            {s('importOpenCase')} <code>{id.slice(0, 8)}</code>
          </Link>
        ) : (
          '—'
        );
      },
    },
  ];
  return (
    <Card title={<CardTitle>{s('importOutcomes')}</CardTitle>}>
      <Table<ImportRowOutcomeDto>
        size="small"
        rowKey="row"
        columns={columns}
        dataSource={outcomes}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        data-testid="import-outcomes"
      />
    </Card>
  );
}
