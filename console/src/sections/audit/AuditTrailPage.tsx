import { DownloadOutlined, SafetyOutlined, SearchOutlined } from '@ant-design/icons';
import {
  Alert,
  AutoComplete,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Form,
  Input,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  ApiError,
  auditControllerExportAuditEntries,
  auditControllerGetAuditEntries,
  auditControllerGetAuditHead,
  auditControllerVerifyAuditChain,
  call,
  saveBlob,
} from '../../api/client';
import { useI18n } from '../../i18n';
import { CHINA_ZONE, dayValue, formatInstant, pickerDay } from '../../time';
import { useSectionText } from '../types';
import { ACTION_LABELS, ACTOR_TYPE_LABELS, BREAK_LABELS, TARGET_TYPE_LABELS, messages } from './messages';

const PAGE_SIZE = 50;
const FILTER_KEYS = ['action', 'actorId', 'targetType', 'targetId', 'from', 'to'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Partial<Record<FilterKey, string>>;

/** An audit entry as the API sends it (the OpenAPI document types its nullable strings loosely). */
interface AuditEntry {
  seq: string;
  at: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  actorRoles: string[];
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  purpose: string | null;
  changes: unknown;
  seal: { position: string; prevHash: string; hash: string } | null;
}

interface AuditPage {
  items: AuditEntry[];
  next: string | null;
}

interface Verification {
  ok: boolean;
  verified: number;
  pending: number;
  firstBroken?: { position: string; seq: string | null; reason: string };
  message: string;
}

interface Head {
  position: string | null;
  seq: string | null;
  hash: string | null;
  sealedAt: string | null;
}

interface FormValues {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  from?: Dayjs | null;
  to?: Dayjs | null;
}

/** The API's query of the filters in the URL: China calendar days become instants (`to` inclusive). */
function apiQuery(filters: Filters) {
  const startOf = (day: string) => dayjs.tz(`${day}T00:00:00`, CHINA_ZONE);
  return {
    action: filters.action,
    actorId: filters.actorId,
    targetType: filters.targetType,
    targetId: filters.targetId,
    from: filters.from ? startOf(filters.from).toISOString() : undefined,
    to: filters.to ? startOf(filters.to).add(1, 'day').toISOString() : undefined,
  };
}

const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));

export function AuditTrailPage() {
  const text = useSectionText(messages);
  const { lang, label } = useI18n();
  const table = lang === 'en' ? 'en' : 'zh';
  const codeLabel = (labels: typeof ACTION_LABELS, code: string | null) =>
    code ? (labels[table][code] ?? code) : '';
  const [searchParams, setSearchParams] = useSearchParams();
  const [form] = Form.useForm<FormValues>();

  const filters = useMemo<Filters>(() => {
    const result: Filters = {};
    for (const key of FILTER_KEYS) {
      const value = searchParams.get(key);
      if (value) result[key] = value;
    }
    return result;
  }, [searchParams]);
  const filterKey = JSON.stringify(filters);

  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [exporting, setExporting] = useState<string>();
  const [verifying, setVerifying] = useState(false);
  const [verification, setVerification] = useState<Verification>();
  const [head, setHead] = useState<Head>();

  // The form follows the URL (back and forward included).
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue({
      action: filters.action,
      actorId: filters.actorId,
      targetType: filters.targetType,
      targetId: filters.targetId,
      from: filters.from ? dayValue(filters.from) : null,
      to: filters.to ? dayValue(filters.to) : null,
    });
  }, [filterKey]);

  const load = useCallback(
    async (before?: string) => {
      setLoading(true);
      try {
        const page = (await call(
          auditControllerGetAuditEntries({
            query: { ...apiQuery(JSON.parse(filterKey) as Filters), limit: PAGE_SIZE, before },
          }),
        )) as unknown as AuditPage;
        setEntries((previous) => (before ? [...previous, ...page.items] : page.items));
        setNext(page.next);
        setError(undefined);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setLoading(false);
      }
    },
    [filterKey],
  );

  const loadHead = useCallback(async () => {
    try {
      setHead((await call(auditControllerGetAuditHead())) as unknown as Head);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void loadHead();
  }, [loadHead]);

  const onSearch = (values: FormValues) => {
    const query: Record<string, string> = {};
    const strings = {
      action: values.action?.trim().toUpperCase(),
      actorId: values.actorId?.trim(),
      targetType: values.targetType,
      targetId: values.targetId?.trim(),
      from: values.from ? pickerDay(values.from) : undefined,
      to: values.to ? pickerDay(values.to) : undefined,
    };
    for (const [key, value] of Object.entries(strings)) if (value) query[key] = value;
    setSearchParams(query);
  };

  const onReset = () => {
    form.resetFields();
    setSearchParams({});
  };

  const download = async (format: 'csv' | 'ndjson') => {
    setExporting(format);
    try {
      const blob = await call(
        auditControllerExportAuditEntries({ query: { ...apiQuery(filters), format }, parseAs: 'blob' }),
      );
      saveBlob(blob as Blob, `audit-${dayjs().tz(CHINA_ZONE).format('YYYYMMDD-HHmmss')}.${format}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setExporting(undefined);
    }
  };

  const verify = async () => {
    setVerifying(true);
    try {
      setVerification((await call(auditControllerVerifyAuditChain())) as unknown as Verification);
      await loadHead();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setVerifying(false);
    }
  };

  const actionOptions = Object.keys(ACTION_LABELS.zh).map((code) => ({
    value: code,
    label: `${codeLabel(ACTION_LABELS, code)} · ${code}`,
  }));

  const columns: TableColumnsType<AuditEntry> = [
    { key: 'seq', title: text('seq'), dataIndex: 'seq', width: 80 },
    {
      key: 'at',
      title: text('at'),
      dataIndex: 'at',
      width: 200,
      render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatInstant(at)}</span>,
    },
    {
      key: 'actor',
      title: text('actor'),
      render: (_, entry) => (
        <Space orientation="vertical" size={2}>
          <span>
            <Tag>{codeLabel(ACTOR_TYPE_LABELS, entry.actorType)}</Tag>
            {entry.actorName ?? entry.actorId ?? ''}
          </span>
          {entry.actorRoles.length > 0 && (
            <span>
              {entry.actorRoles.map((role) => (
                <Tag key={role} color="blue">
                  {label('role', role)}
                </Tag>
              ))}
            </span>
          )}
        </Space>
      ),
    },
    {
      key: 'action',
      title: text('action'),
      dataIndex: 'action',
      render: (action: string) => (
        <Space orientation="vertical" size={0} data-testid="audit-action" data-action={action}>
          <span>{codeLabel(ACTION_LABELS, action)}</span>
          <Typography.Text type="secondary" code style={{ whiteSpace: 'nowrap' }}>
            {action}
          </Typography.Text>
        </Space>
      ),
    },
    {
      key: 'target',
      title: text('target'),
      render: (_, entry) =>
        entry.targetType || entry.targetId ? (
          <Space orientation="vertical" size={0}>
            <span>{codeLabel(TARGET_TYPE_LABELS, entry.targetType)}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
              {entry.targetId}
            </Typography.Text>
          </Space>
        ) : (
          '—'
        ),
    },
    { key: 'purpose', title: text('purpose'), dataIndex: 'purpose', render: (p: string | null) => p ?? '—' },
    {
      key: 'requestId',
      title: text('requestId'),
      dataIndex: 'requestId',
      render: (id: string | null) => (
        <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
          {id ?? '—'}
        </Typography.Text>
      ),
    },
  ];

  const expanded = (entry: AuditEntry) => (
    <div data-testid="audit-entry-detail">
      <Typography.Title level={3} style={{ fontSize: 14 }}>
        {text('changes')}
      </Typography.Title>
      {entry.changes === null || entry.changes === undefined ? (
        <Typography.Text type="secondary">{text('noChanges')}</Typography.Text>
      ) : (
        <pre
          data-testid="audit-changes"
          tabIndex={0}
          aria-label={`${text('changes')} ${entry.seq}`}
          style={{ maxHeight: 320, overflow: 'auto', background: '#f5f5f5', padding: 12, margin: 0 }}
        >
          {JSON.stringify(entry.changes, null, 2)}
        </pre>
      )}
      <Descriptions
        size="small"
        column={1}
        style={{ marginTop: 12 }}
        items={
          entry.seal
            ? [
                { key: 'position', label: text('sealPosition'), children: entry.seal.position },
                {
                  key: 'hash',
                  label: text('sealHash'),
                  children: <Typography.Text code>{entry.seal.hash}</Typography.Text>,
                },
                {
                  key: 'prevHash',
                  label: text('sealPrevHash'),
                  children: <Typography.Text code>{entry.seal.prevHash}</Typography.Text>,
                },
              ]
            : [{ key: 'seal', label: text('seal'), children: text('notSealed') }]
        }
      />
    </div>
  );

  const broken = verification?.firstBroken;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {text('title')}
      </Typography.Title>
      <Typography.Paragraph style={{ margin: 0 }}>{text('intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon role="alert" data-testid="audit-error" title={error} />}

      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{text('filters')}</h2>}>
        <Form form={form} layout="vertical" onFinish={onSearch} data-testid="audit-filters">
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item
                name="action"
                label={text('action')}
                extra={text('actionHelp')}
                rules={[{ pattern: /^[A-Za-z][A-Za-z0-9_]{1,63}$/, message: text('actionHelp') }]}
              >
                <AutoComplete
                  options={actionOptions}
                  allowClear
                  showSearch={{
                    filterOption: (input, option) =>
                      String(option?.label ?? '')
                        .toLowerCase()
                        .includes(input.toLowerCase()),
                  }}
                  data-testid="audit-filter-action"
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="actorId" label={text('actorId')}>
                <Input allowClear data-testid="audit-filter-actor" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="targetType" label={text('targetType')}>
                <Select
                  allowClear
                  options={Object.keys(TARGET_TYPE_LABELS.zh).map((code) => ({
                    value: code,
                    label: codeLabel(TARGET_TYPE_LABELS, code),
                  }))}
                  data-testid="audit-filter-target-type"
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="targetId" label={text('targetId')}>
                <Input allowClear data-testid="audit-filter-target-id" />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="from" label={text('from')}>
                <DatePicker style={{ width: '100%' }} data-testid="audit-filter-from" />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item
                name="to"
                label={text('to')}
                dependencies={['from']}
                rules={[
                  ({ getFieldValue }) => ({
                    validator: (_, value: Dayjs | null | undefined) => {
                      const from = getFieldValue('from') as Dayjs | null | undefined;
                      return value && from && value.isBefore(from, 'day')
                        ? Promise.reject(new Error(text('badDates')))
                        : Promise.resolve();
                    },
                  }),
                ]}
              >
                <DatePicker style={{ width: '100%' }} data-testid="audit-filter-to" />
              </Form.Item>
            </Col>
          </Row>
          <Space wrap>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="audit-search">
              {text('search')}
            </Button>
            <Button onClick={onReset} data-testid="audit-reset">
              {text('reset')}
            </Button>
            <Button
              icon={<DownloadOutlined />}
              loading={exporting === 'csv'}
              data-testid="audit-export-csv"
              onClick={() => void download('csv')}
            >
              {text('exportCsv')}
            </Button>
            <Button
              icon={<DownloadOutlined />}
              loading={exporting === 'ndjson'}
              data-testid="audit-export-ndjson"
              onClick={() => void download('ndjson')}
            >
              {text('exportNdjson')}
            </Button>
          </Space>
        </Form>
      </Card>

      <Table<AuditEntry>
        rowKey="seq"
        size="small"
        columns={columns}
        dataSource={entries}
        loading={loading}
        pagination={false}
        scroll={{ x: 1000 }}
        expandable={{ expandedRowRender: expanded }}
        data-testid="audit-table"
        aria-label={text('title')}
      />
      <Space>
        <Typography.Text type="secondary" data-testid="audit-count">
          {text('shown', { n: entries.length })}
        </Typography.Text>
        {next && (
          <Button loading={loading} data-testid="audit-more" onClick={() => void load(next)}>
            {text('loadMore')}
          </Button>
        )}
      </Space>
      <Card
        title={<h2 style={{ fontSize: 16, margin: 0 }}>{text('chain')}</h2>}
        data-testid="audit-chain"
        extra={
          <Button
            type="primary"
            icon={<SafetyOutlined />}
            loading={verifying}
            data-testid="audit-verify"
            onClick={() => void verify()}
          >
            {text('verify')}
          </Button>
        }
      >
        {verification && (
          <div
            data-testid="audit-verify-result"
            data-valid={String(verification.ok)}
            style={{ marginBottom: 16 }}
          >
            <Alert
              type={verification.ok ? 'success' : 'error'}
              showIcon
              title={verification.ok ? text('verifyOk') : text('verifyBroken')}
              description={
                <>
                  <div>
                    {verification.ok
                      ? text('verifyOkText', { n: verification.verified })
                      : text('verifyBrokenText', {
                          n: verification.verified,
                          position: broken?.position ?? '—',
                          seq: broken?.seq ?? '—',
                          reason: broken ? codeLabel(BREAK_LABELS, broken.reason) : '—',
                        })}
                  </div>
                  {verification.pending > 0 && (
                    <div data-testid="audit-verify-pending">
                      {text('verifyPending', { n: verification.pending })}
                    </div>
                  )}
                </>
              }
            />
          </div>
        )}
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2 }}
          title={<h3 style={{ fontSize: 14, margin: 0 }}>{text('head')}</h3>}
          data-testid="audit-head"
          items={
            head?.position
              ? [
                  { key: 'position', label: text('headPosition'), children: head.position },
                  { key: 'seq', label: text('headSeq'), children: head.seq ?? '—' },
                  {
                    key: 'hash',
                    label: text('headHash'),
                    span: 'filled' as const,
                    children: (
                      <Typography.Text code copyable data-testid="audit-head-hash">
                        {head.hash}
                      </Typography.Text>
                    ),
                  },
                  { key: 'sealedAt', label: text('headSealedAt'), children: formatInstant(head.sealedAt) },
                ]
              : [{ key: 'none', label: text('head'), children: text('headNone') }]
          }
        />
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
          {text('headHelp')}
        </Typography.Paragraph>
      </Card>
    </Space>
  );
}
