import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Radio, Space, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import {
  call,
  exportsControllerExportDataset,
  saveBlob,
  type ExportsControllerExportDatasetData,
} from '../../api/client';
import { useAuth } from '../../auth';
import { CHINA_ZONE } from '../../time';
import { useSectionText } from '../types';
import { messages } from './messages';
import { CardTitle, Forbidden, PageTitle } from './shared';

type Dataset = ExportsControllerExportDatasetData['path']['dataset'];
type Query = NonNullable<ExportsControllerExportDatasetData['query']>;

interface Values {
  dataset: Dataset;
  format: NonNullable<Query['format']>;
  identifiers: NonNullable<Query['identifiers']>;
  purpose?: string;
}

/** Who may export, and who may ask for identifiers in full (the API's own rule, for the form's choices). */
const EXPORTERS = ['ADMIN', 'RECORDER', 'APPROVER', 'AUDITOR'];
const REVEALERS = ['ADMIN', 'RECORDER', 'APPROVER'];

/**
 * 数据导出: one dataset of the registry as CSV, XLSX or NDJSON from one snapshot
 * (GET /api/v1/exports/{dataset}), identifiers masked unless asked for in full with a purpose.
 */
export function ExportPage() {
  const { hasRole } = useAuth();
  const s = useSectionText(messages);
  if (!EXPORTERS.some(hasRole)) return <Forbidden title={s('forbiddenTitle')} text={s('exportNotAllowed')} />;
  return <ExportForm mayReveal={REVEALERS.some(hasRole)} />;
}

function ExportForm({ mayReveal }: { mayReveal: boolean }) {
  const s = useSectionText(messages);
  const [form] = Form.useForm<Values>();
  const dataset = Form.useWatch('dataset', form);
  const identifiers = Form.useWatch('identifiers', form);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);

  const download = async (v: Values) => {
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    setDone(null);
    try {
      const full = v.dataset === 'subjects' && v.identifiers === 'full';
      const blob = await call(
        exportsControllerExportDataset({
          path: { dataset: v.dataset },
          query: { format: v.format, ...(full ? { identifiers: 'full', purpose: v.purpose } : {}) },
          parseAs: 'blob',
        }),
      );
      const file = `${v.dataset}-${dayjs().tz(CHINA_ZONE).format('YYYYMMDD-HHmmss')}.${v.format}`;
      saveBlob(blob as unknown as Blob, file);
      setDone(file);
    } catch (e) {
      // A refused purpose is shown beside its field; anything else in the alert below the form.
      setErrors(showFieldErrors(form, e, (field) => (field === 'purpose' ? ['purpose'] : undefined)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>{s('exportTitle')}</PageTitle>
      <Typography.Paragraph>{s('exportIntro')}</Typography.Paragraph>
      <Card title={<CardTitle>{s('exportWhat')}</CardTitle>}>
        <Form
          form={form}
          layout="vertical"
          initialValues={{ dataset: 'entries', format: 'xlsx', identifiers: 'masked' }}
          onFinish={(v) => void download(v)}
        >
          <Form.Item name="dataset" label={s('exportDataset')}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'entries', label: s('exportEntries') },
                { value: 'cases', label: s('exportCases') },
                { value: 'measures', label: s('exportMeasures') },
                { value: 'subjects', label: s('exportSubjects') },
              ]}
            />
          </Form.Item>
          <Form.Item name="format" label={s('exportFormat')}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'xlsx', label: 'XLSX' },
                { value: 'csv', label: 'CSV' },
                { value: 'ndjson', label: 'NDJSON' },
              ]}
            />
          </Form.Item>
          {mayReveal && (
            <Form.Item
              name="identifiers"
              label={s('exportIdentifiers')}
              extra={dataset !== 'subjects' ? s('exportFullSubjectsOnly') : undefined}
            >
              <Radio.Group
                options={[
                  { value: 'masked', label: s('exportMasked') },
                  { value: 'full', label: s('exportFull'), disabled: dataset !== 'subjects' },
                ]}
              />
            </Form.Item>
          )}
          {mayReveal && dataset === 'subjects' && identifiers === 'full' && (
            <Form.Item
              name="purpose"
              label={s('exportPurpose')}
              rules={[{ required: true, whitespace: true, message: s('exportPurposeRequired') }]}
            >
              <Input maxLength={500} />
            </Form.Item>
          )}
          <Button
            type="primary"
            htmlType="submit"
            icon={<DownloadOutlined />}
            loading={busy}
            data-testid="export-download"
          >
            {s('exportDownload')}
          </Button>
        </Form>
      </Card>
      {done && (
        <Alert type="success" showIcon title={s('exportDone', { file: done })} data-testid="export-done" />
      )}
      {errors.length > 0 && (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="export-error"
          title={errors[0]}
          description={errors.slice(1).map((line, i) => (
            <div key={i}>{line}</div>
          ))}
        />
      )}
    </Space>
  );
}
