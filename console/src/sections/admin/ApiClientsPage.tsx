import { CopyOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Form,
  Input,
  Modal,
  Popconfirm,
  Row,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
  type ButtonProps,
} from 'antd';
import { useCallback, useEffect, useRef, useState, type HTMLAttributes } from 'react';
import {
  apiClientsControllerCreateApiClient,
  apiClientsControllerGetApiClients,
  apiClientsControllerRevokeApiClient,
  call,
  type ApiClientCreatedDto,
  type ApiClientResponseDto,
} from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { formatInstant } from '../../time';
import {
  CardTitle,
  ErrorAlert,
  Mark,
  NO_ERROR,
  PageTitle,
  shownError,
  useText,
  type ShownError,
} from './common';

type Scope = ApiClientResponseDto['scopes'][number];
const SCOPES: {
  scope: Scope;
  help: 'scopeChecksRun' | 'scopeRecordsRead' | 'scopeRecordsWrite' | 'scopeChangesRead';
}[] = [
  { scope: 'checks:run', help: 'scopeChecksRun' },
  { scope: 'records:read', help: 'scopeRecordsRead' },
  { scope: 'records:write', help: 'scopeRecordsWrite' },
  { scope: 'changes:read', help: 'scopeChangesRead' },
];

interface Values {
  name: string;
  scopes: Scope[];
}

/** The key of a client just created, shown this once, with a copy button. */
function KeyDialog({ created, onClose }: { created: ApiClientCreatedDto | undefined; onClose(): void }) {
  const t = useText();
  const { message } = App.useApp();
  const ref = useRef<HTMLTextAreaElement | null>(null);

  const selectKey = () => {
    const area = ref.current;
    if (!area) return;
    area.focus();
    area.select();
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      void message.success(t('copied'));
    } catch {
      selectKey();
      void message.info(t('copySelected'));
    }
  };

  return (
    <Modal
      open={created !== undefined}
      title={t('keyTitle')}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      destroyOnHidden
      data-testid="key-dialog"
      footer={
        <Button type="primary" onClick={onClose} data-testid="key-done">
          {t('keyDone')}
        </Button>
      }
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Alert type="warning" showIcon title={t('keyWarning')} data-testid="key-warning" />
        <label htmlFor="api-key-value">{t('keyLabel', { name: created?.name ?? '' })}</label>
        <textarea
          id="api-key-value"
          ref={ref}
          readOnly
          rows={2}
          value={created?.key ?? ''}
          data-testid="api-key"
          onFocus={selectKey}
          style={{
            width: '100%',
            fontFamily: 'monospace',
            fontSize: 14,
            padding: 8,
            border: '1px solid #d9d9d9',
            borderRadius: 6,
            resize: 'none',
            wordBreak: 'break-all',
          }}
        />
        <Button icon={<CopyOutlined />} onClick={() => void copy()} data-testid="key-copy">
          {t('copy')}
        </Button>
        <Typography.Text type="secondary">{t('keyUsage')}</Typography.Text>
      </Space>
    </Modal>
  );
}

export function ApiClientsPage() {
  const t = useText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [clients, setClients] = useState<ApiClientResponseDto[]>();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ShownError>(NO_ERROR);
  const [createError, setCreateError] = useState<ShownError>(NO_ERROR);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<ApiClientCreatedDto>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setClients(await call(apiClientsControllerGetApiClients({ query: { includeRevoked } })));
    } catch (e) {
      setError(shownError(e));
    } finally {
      setLoading(false);
    }
  }, [includeRevoked]);

  useEffect(() => {
    void load();
  }, [load]);

  const submit = async (values: Values) => {
    setBusy(true);
    setCreateError(NO_ERROR);
    clearFieldErrors(form);
    try {
      const answer = await call(
        apiClientsControllerCreateApiClient({ body: { name: values.name.trim(), scopes: values.scopes } }),
      );
      setCreated(answer);
      form.resetFields();
      void load();
    } catch (e) {
      setCreateError(
        shownError(
          e,
          showFieldErrors(form, e, (f) => {
            const head = f.split('.')[0];
            return head === 'name' || head === 'scopes' ? [head] : undefined;
          }),
        ),
      );
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (client: ApiClientResponseDto) => {
    setError(NO_ERROR);
    try {
      await call(apiClientsControllerRevokeApiClient({ path: { id: client.id } }));
      void message.success(t('clientRevoked', { name: client.name }));
    } catch (e) {
      setError(shownError(e));
    }
    await load();
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{t('clientsTitle')}</PageTitle>
      <Card title={<CardTitle>{t('newClient')}</CardTitle>}>
        <Form<Values>
          form={form}
          name="new-api-client"
          layout="vertical"
          initialValues={{ scopes: [] }}
          onFinish={(v) => void submit(v)}
        >
          <Row gutter={24}>
            <Col xs={24} lg={10}>
              <Form.Item
                name="name"
                label={t('clientName')}
                rules={[{ required: true, whitespace: true, message: t('clientNameRequired') }]}
              >
                <Input data-testid="client-name" maxLength={200} autoComplete="off" />
              </Form.Item>
            </Col>
            <Col xs={24} lg={14}>
              <Form.Item
                name="scopes"
                label={t('scopes')}
                rules={[{ required: true, type: 'array', min: 1, message: t('scopesRequired') }]}
              >
                <Select
                  mode="multiple"
                  data-testid="client-scopes"
                  optionLabelProp="value"
                  options={SCOPES.map(({ scope, help }) => ({
                    value: scope,
                    label: (
                      <span>
                        <code>{scope}</code> — {t(help)}
                      </span>
                    ),
                  }))}
                />
              </Form.Item>
            </Col>
          </Row>
          <ErrorAlert title={t('createFailed')} testId="client-create-error" {...createError} />
          <Button
            type="primary"
            htmlType="submit"
            icon={<PlusOutlined />}
            loading={busy}
            data-testid="client-submit"
            style={{ marginTop: 8 }}
          >
            {t('newClient')}
          </Button>
        </Form>
      </Card>
      <ErrorAlert title={t('actionFailed')} testId="clients-error" {...error} />
      <Space>
        <Switch
          id="show-revoked"
          checked={includeRevoked}
          onChange={setIncludeRevoked}
          data-testid="clients-show-revoked"
        />
        <label htmlFor="show-revoked">{t('showRevoked')}</label>
      </Space>
      <Table<ApiClientResponseDto>
        rowKey="id"
        data-testid="clients-table"
        loading={loading}
        dataSource={clients}
        pagination={false}
        onRow={(c) => ({ 'data-testid': `client-row-${c.name}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('clientName'), dataIndex: 'name' },
          { title: t('keyPrefix'), dataIndex: 'keyPrefix', render: (v: string) => <code>{v}…</code> },
          {
            title: t('scopes'),
            dataIndex: 'scopes',
            render: (scopes: Scope[]) =>
              scopes.map((s) => (
                <Tag key={s} color="blue">
                  {s}
                </Tag>
              )),
          },
          {
            title: t('status'),
            key: 'status',
            render: (_, c) =>
              c.revokedAt ? (
                <Mark tone="grey" testId="client-status">
                  {t('revoked')} {formatInstant(c.revokedAt)}
                </Mark>
              ) : (
                <Mark tone="green" testId="client-status">
                  {t('active')}
                </Mark>
              ),
          },
          { title: t('createdAt'), dataIndex: 'createdAt', render: (v: string) => formatInstant(v) },
          { title: t('lastUsedAt'), dataIndex: 'lastUsedAt', render: (v: unknown) => formatInstant(v) },
          {
            title: t('actions'),
            key: 'actions',
            render: (_, c) =>
              c.revokedAt ? null : (
                <Popconfirm
                  title={t('revokeConfirm', { name: c.name })}
                  okText={t('revoke')}
                  cancelText={t('cancel')}
                  okButtonProps={{ danger: true, 'data-testid': 'confirm-ok' } as ButtonProps}
                  onConfirm={() => revoke(c)}
                >
                  <Button size="small" danger data-testid="client-revoke">
                    {t('revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <KeyDialog created={created} onClose={() => setCreated(undefined)} />
    </Space>
  );
}
