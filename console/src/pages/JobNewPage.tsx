import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Radio, Space, Typography, Upload } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { call, checkJobsControllerCreateCheckJob } from '../api/client';
import {
  CheckFields,
  checkParams,
  clearFieldErrors,
  showFieldErrors,
  type CheckFieldValues,
} from '../components/CheckFields';
import { useI18n } from '../i18n';
import { useRuleSet } from '../rules';
import { dayValue, todayInChina } from '../time';

interface Values extends CheckFieldValues {
  source: 'upload' | 'paste';
  pasted?: string;
}

/** A CSV cell, quoted when it holds a separator, a quote or a line break. */
const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * A pasted list (one applicant a line: name, then an ID number after a comma or a tab) as a CSV file
 * with the Chinese headers of docs/screening.md. An ID number without a type is read as a resident ID
 * (a USCC for organisations, which a pasted list cannot name).
 */
export function pastedListAsCsv(text: string): File | null {
  const rows = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, ...rest] = line.split(/\t|,|，/);
      return [name.trim(), rest.join('').trim()];
    });
  if (!rows.length) return null;
  const csv = ['姓名,证件号码', ...rows.map((r) => r.map(cell).join(','))].join('\r\n');
  return new File([`${csv}\r\n`], 'pasted-list.csv', { type: 'text/csv' });
}

export function JobNewPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ruleSet = useRuleSet();
  const [form] = Form.useForm<Values>();
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const source = Form.useWatch('source', form);

  useEffect(() => {
    const first = ruleSet?.data.reviewDomains[0]?.code;
    if (first && !form.getFieldValue('domain')) form.setFieldValue('domain', first);
  }, [ruleSet, form]);

  const submit = async (values: Values) => {
    const upload = values.source === 'paste' ? pastedListAsCsv(values.pasted ?? '') : file;
    if (!upload) {
      setErrors([values.source === 'paste' ? t('jobPasteRequired') : t('jobFileRequired')]);
      return;
    }
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    try {
      // The file goes last: the service reads the form's fields before the file.
      const job = await call(
        checkJobsControllerCreateCheckJob({ body: { ...checkParams(values), file: upload } }),
      );
      navigate(`/checks/jobs/${job.id}`);
    } catch (e) {
      setErrors(showFieldErrors(form, e, (field) => (field && field !== 'file' ? [field] : undefined)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {t('jobNewTitle')}
      </Typography.Title>
      <Card>
        <Form<Values>
          form={form}
          name="job"
          layout="vertical"
          style={{ maxWidth: 720 }}
          initialValues={{ asOf: dayValue(todayInChina()), source: 'upload' }}
          onFinish={(v) => void submit(v)}
        >
          <CheckFields ruleSet={ruleSet} testIdPrefix="job" />
          <Form.Item name="source" label={t('jobSource')}>
            <Radio.Group
              data-testid="job-source"
              options={[
                { value: 'upload', label: t('jobUpload') },
                { value: 'paste', label: t('jobPaste') },
              ]}
            />
          </Form.Item>
          {source === 'paste' ? (
            <Form.Item name="pasted" label={t('jobPasteLabel')} extra={t('jobPasteHelp')}>
              <Input.TextArea
                rows={8}
                data-testid="job-paste"
                placeholder={'张三,11010519491231002X\n李四'}
              />
            </Form.Item>
          ) : (
            <Form.Item label={t('jobFile')} htmlFor="job-file">
              <Upload
                id="job-file"
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                maxCount={1}
                beforeUpload={(f) => {
                  setFile(f);
                  return false;
                }}
                onRemove={() => setFile(null)}
                data-testid="job-file"
              >
                <Button icon={<UploadOutlined />}>{t('jobFileChoose')}</Button>
              </Upload>
            </Form.Item>
          )}
          {errors.length > 0 && (
            <Alert
              type="error"
              showIcon
              role="alert"
              data-testid="job-error"
              title={t('checkFailed')}
              description={errors.map((e) => (
                <div key={e}>{e}</div>
              ))}
              style={{ marginBottom: 16 }}
            />
          )}
          <Button type="primary" htmlType="submit" loading={busy} data-testid="job-submit">
            {t('jobSubmit')}
          </Button>
        </Form>
      </Card>
    </Space>
  );
}
