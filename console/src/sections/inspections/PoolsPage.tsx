import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import {
  ApiError,
  call,
  inspectionsControllerCreateInspectionPool,
  inspectionsControllerCreateInspectionPoolVersion,
  inspectionsControllerGetInspectionPools,
  type PoolResponseDto,
  type PoolVersionDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { CardTitle, PageTitle } from '../../components/Titles';
import { formatInstant } from '../../time';
import { useSectionText } from '../types';
import { ErrorBox, RowProblems, useCodeLabel, useLoaded } from './common';
import { messages, POOL_KIND_LABELS } from './messages';

/** The pools: list them with their versions, create one, upload the next version of one. */
export function PoolsPage() {
  const text = useSectionText(messages);
  const codeLabel = useCodeLabel();
  const { hasRole } = useAuth();
  // Approvers read the pools; only recorders (and administrators) create and upload them.
  const canUpload = hasRole('RECORDER') || hasRole('ADMIN');
  const {
    data: pools = [],
    loading,
    error: loadError,
    reload: load,
  } = useLoaded(
    'pools',
    async () => (await call(inspectionsControllerGetInspectionPools({ query: { pageSize: 100 } }))).items,
  );
  const [createForm] = Form.useForm<{ kind: 'TARGET' | 'INSPECTOR'; name: string }>();
  const [createError, setCreateError] = useState<unknown>();
  const [uploadPool, setUploadPool] = useState<string>();
  const [file, setFile] = useState<File | null>(null);
  const [uploadError, setUploadError] = useState<unknown>();
  const [uploaded, setUploaded] = useState<PoolVersionDto>();
  const [busy, setBusy] = useState(false);

  const create = async (values: { kind: 'TARGET' | 'INSPECTOR'; name: string }) => {
    setBusy(true);
    setCreateError(undefined);
    try {
      const pool = await call(inspectionsControllerCreateInspectionPool({ body: values }));
      createForm.resetFields();
      setUploadPool(pool.id);
      await load();
    } catch (e) {
      setCreateError(e);
    } finally {
      setBusy(false);
    }
  };

  const upload = async () => {
    if (!uploadPool || !file) return;
    setBusy(true);
    setUploadError(undefined);
    setUploaded(undefined);
    try {
      const pool = await call(
        inspectionsControllerCreateInspectionPoolVersion({ path: { id: uploadPool }, body: { file } }),
      );
      setUploaded(pool.versions[pool.versions.length - 1]);
      setFile(null);
      await load();
    } catch (e) {
      setUploadError(e);
    } finally {
      setBusy(false);
    }
  };

  const versionColumns: TableColumnsType<PoolVersionDto> = [
    { key: 'version', title: text('version'), dataIndex: 'version', width: 80 },
    { key: 'rowCount', title: text('rowCount'), dataIndex: 'rowCount', width: 80 },
    {
      key: 'hash',
      title: text('hash'),
      dataIndex: 'hash',
      render: (h: string) => <Typography.Text code>{h.slice(0, 16)}…</Typography.Text>,
    },
    { key: 'createdAt', title: text('createdAt'), dataIndex: 'createdAt', render: formatInstant },
  ];
  const columns: TableColumnsType<PoolResponseDto> = [
    { key: 'name', title: text('poolName'), dataIndex: 'name' },
    {
      key: 'kind',
      title: text('poolKind'),
      dataIndex: 'kind',
      render: (kind: string) => <Tag>{codeLabel(POOL_KIND_LABELS, kind)}</Tag>,
    },
    {
      key: 'latest',
      title: text('versions'),
      render: (_, pool) => {
        const latest = pool.versions[pool.versions.length - 1];
        return latest ? `v${latest.version} · ${latest.rowCount}` : text('noVersion');
      },
    },
    { key: 'createdAt', title: text('createdAt'), dataIndex: 'createdAt', render: formatInstant },
  ];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{text('poolsTitle')}</PageTitle>
      <Typography.Paragraph style={{ margin: 0 }}>{text('poolsIntro')}</Typography.Paragraph>
      {loadError !== undefined && <ErrorBox error={loadError} testId="pools-load-error" />}

      {canUpload && (
        <>
          <Card title={<CardTitle>{text('poolCreate')}</CardTitle>}>
            <Form
              form={createForm}
              layout="inline"
              onFinish={(v) => void create(v)}
              data-testid="pool-create"
            >
              <Form.Item
                name="kind"
                label={text('poolKind')}
                rules={[{ required: true, message: text('required') }]}
              >
                <Select
                  style={{ width: 180 }}
                  data-testid="pool-kind"
                  options={['TARGET', 'INSPECTOR'].map((k) => ({
                    value: k,
                    label: codeLabel(POOL_KIND_LABELS, k),
                  }))}
                />
              </Form.Item>
              <Form.Item
                name="name"
                label={text('poolName')}
                rules={[{ required: true, message: text('required') }]}
              >
                <Input style={{ width: 320 }} maxLength={200} data-testid="pool-name" />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={busy} data-testid="pool-create-submit">
                {text('create')}
              </Button>
            </Form>
            {createError !== undefined && (
              <div style={{ marginTop: 12 }}>
                <ErrorBox error={createError} testId="pool-create-error" />
              </div>
            )}
          </Card>

          <Card title={<CardTitle>{text('upload')}</CardTitle>}>
            <Space wrap align="center">
              <label htmlFor="pool-upload-target">{text('uploadFor')}</label>
              <Select
                id="pool-upload-target"
                style={{ width: 360 }}
                value={uploadPool}
                onChange={setUploadPool}
                data-testid="pool-upload-target"
                options={pools.map((p) => ({
                  value: p.id,
                  label: `${p.name} (${codeLabel(POOL_KIND_LABELS, p.kind)})`,
                }))}
              />
              <Upload
                accept=".csv,.xlsx"
                maxCount={1}
                fileList={file ? [{ uid: '1', name: file.name, status: 'done' }] : []}
                beforeUpload={(f) => {
                  setFile(f);
                  return false;
                }}
                onRemove={() => setFile(null)}
              >
                <Button icon={<UploadOutlined />} data-testid="pool-file">
                  {text('uploadFile')}
                </Button>
              </Upload>
              <Button
                type="primary"
                disabled={!uploadPool || !file}
                loading={busy}
                onClick={() => void upload()}
                data-testid="pool-upload-submit"
              >
                {text('upload')}
              </Button>
            </Space>
            {uploaded && (
              <Alert
                style={{ marginTop: 12 }}
                type="success"
                showIcon
                data-testid="pool-uploaded"
                title={text('uploaded', { version: uploaded.version, rows: uploaded.rowCount })}
              />
            )}
            {uploadError !== undefined && (
              <div style={{ marginTop: 12 }}>
                {uploadError instanceof ApiError &&
                uploadError.details.some((d) => d.field.startsWith('rows.')) ? (
                  <RowProblems error={uploadError} />
                ) : (
                  <ErrorBox error={uploadError} testId="pool-upload-error" />
                )}
              </div>
            )}
          </Card>
        </>
      )}

      <Table<PoolResponseDto>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={pools}
        loading={loading}
        pagination={false}
        data-testid="pools-table"
        aria-label={text('poolsTitle')}
        expandable={{
          expandedRowRender: (pool) => (
            <Table<PoolVersionDto>
              rowKey="id"
              size="small"
              columns={versionColumns}
              dataSource={pool.versions}
              pagination={false}
              aria-label={`${pool.name} ${text('versions')}`}
            />
          ),
        }}
      />
    </Space>
  );
}
