import {
  Button,
  Card,
  Col,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import {
  call,
  inspectionsControllerCreateInspectionPlan,
  inspectionsControllerGetInspectionPlans,
  inspectionsControllerGetInspectionPools,
  type PlanCreateDto,
  type PlanSummaryDto,
  type PoolResponseDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { CardTitle, PageTitle } from '../../components/Titles';
import { formatInstant } from '../../time';
import { useSectionText } from '../types';
import { ErrorBox, lines, useCodeLabel, useLoaded, versionOptions } from './common';
import { messages, STATUS_LABELS, STRATUM_FIELD_LABELS } from './messages';

interface Values {
  title: string;
  scope: string;
  year: number;
  items: string;
  targetPoolVersionId: string;
  inspectorPoolVersionId: string;
  stratifyBy?: PlanCreateDto['stratifyBy'];
  quotaMode: 'ratio' | 'count';
  ratio?: number;
  count?: number;
  strata?: string;
  inspectorsPerTarget: number;
  maxTargetsPerInspector?: number | null;
  excludedTargetKeys?: string;
  excludedInspectorKeys?: string;
  publicValueSource?: string;
}

/** `stratum,0.2` (a ratio) or `stratum,#3` (a count), one a line; the stratum may itself hold commas. */
function strataOf(value: string | undefined): PlanCreateDto['strata'] {
  return lines(value).map((line) => {
    const at = line.lastIndexOf(',');
    const stratum = line.slice(0, at).trim();
    const quota = line.slice(at + 1).trim();
    return quota.startsWith('#')
      ? { stratum, count: Number(quota.slice(1)) }
      : { stratum, ratio: Number(quota) };
  });
}

/** The versions of the pools of one kind, newest first, as options. */
/** The plans, newest first, and (for recorders) the form that drafts one. */
export function PlansPage() {
  const text = useSectionText(messages);
  const codeLabel = useCodeLabel();
  const navigate = useNavigate();
  const { hasRole } = useAuth();
  const canPlan = hasRole('RECORDER') || hasRole('ADMIN');
  const {
    data,
    loading,
    error: loadError,
  } = useLoaded('plans', async () => {
    const [planPage, poolPage] = await Promise.all([
      call(inspectionsControllerGetInspectionPlans({ query: { pageSize: 100 } })),
      call(inspectionsControllerGetInspectionPools({ query: { pageSize: 100 } })),
    ]);
    return { plans: planPage.items, pools: poolPage.items };
  });
  const plans: PlanSummaryDto[] = data?.plans ?? [];
  const pools: PoolResponseDto[] = data?.pools ?? [];
  const [createError, setCreateError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const quotaMode = Form.useWatch('quotaMode', form);

  const create = async (v: Values) => {
    setBusy(true);
    setCreateError(undefined);
    try {
      const body: PlanCreateDto = {
        title: v.title,
        scope: v.scope,
        year: v.year,
        items: lines(v.items),
        targetPoolVersionId: v.targetPoolVersionId,
        inspectorPoolVersionId: v.inspectorPoolVersionId,
        stratifyBy: v.stratifyBy?.length ? v.stratifyBy : undefined,
        ratio: v.quotaMode === 'ratio' ? v.ratio : undefined,
        count: v.quotaMode === 'count' ? v.count : undefined,
        strata: v.strata?.trim() ? strataOf(v.strata) : undefined,
        inspectorsPerTarget: v.inspectorsPerTarget,
        maxTargetsPerInspector: v.maxTargetsPerInspector ?? undefined,
        excludedTargetKeys: lines(v.excludedTargetKeys),
        excludedInspectorKeys: lines(v.excludedInspectorKeys),
        publicValueSource: v.publicValueSource?.trim() || undefined,
      };
      const plan = await call(inspectionsControllerCreateInspectionPlan({ body }));
      navigate(`/inspections/plans/${plan.id}`);
    } catch (e) {
      setCreateError(e);
    } finally {
      setBusy(false);
    }
  };

  const columns: TableColumnsType<PlanSummaryDto> = [
    {
      key: 'title',
      title: text('planTitle'),
      dataIndex: 'title',
      render: (title: string, plan) => <Link to={`/inspections/plans/${plan.id}`}>{title}</Link>,
    },
    { key: 'year', title: text('year'), dataIndex: 'year', width: 80 },
    {
      key: 'status',
      title: text('status'),
      dataIndex: 'status',
      width: 140,
      render: (s: string) => <Tag data-testid="plan-status">{codeLabel(STATUS_LABELS, s)}</Tag>,
    },
    { key: 'createdAt', title: text('createdAt'), dataIndex: 'createdAt', render: formatInstant },
  ];
  const required = [{ required: true, message: text('required') }];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{text('plansTitle')}</PageTitle>
      <Typography.Paragraph style={{ margin: 0 }}>{text('plansIntro')}</Typography.Paragraph>
      {loadError !== undefined && <ErrorBox error={loadError} testId="plans-load-error" />}
      <Table<PlanSummaryDto>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={plans}
        loading={loading}
        pagination={false}
        data-testid="plans-table"
        aria-label={text('plansTitle')}
      />
      {canPlan && (
        <Card title={<CardTitle>{text('planCreate')}</CardTitle>}>
          <Form<Values>
            form={form}
            layout="vertical"
            onFinish={(v) => void create(v)}
            initialValues={{ year: new Date().getFullYear(), quotaMode: 'ratio', inspectorsPerTarget: 2 }}
            data-testid="plan-create"
          >
            <Row gutter={16}>
              <Col xs={24} md={16}>
                <Form.Item name="title" label={text('planTitle')} rules={required}>
                  <Input maxLength={200} data-testid="plan-title" />
                </Form.Item>
              </Col>
              <Col xs={24} md={8}>
                <Form.Item name="year" label={text('year')} rules={required}>
                  <InputNumber min={2000} max={2100} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={24}>
                <Form.Item name="scope" label={text('scope')} rules={required}>
                  <Input.TextArea rows={2} maxLength={2000} data-testid="plan-scope" />
                </Form.Item>
              </Col>
              <Col xs={24}>
                <Form.Item name="items" label={text('items')} rules={required}>
                  <Input.TextArea rows={3} data-testid="plan-items" />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="targetPoolVersionId" label={text('targetPoolVersion')} rules={required}>
                  <Select options={versionOptions(pools, 'TARGET')} data-testid="plan-target-pool" />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item
                  name="inspectorPoolVersionId"
                  label={text('inspectorPoolVersion')}
                  rules={required}
                >
                  <Select options={versionOptions(pools, 'INSPECTOR')} data-testid="plan-inspector-pool" />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="stratifyBy" label={text('stratifyBy')}>
                  <Select
                    mode="multiple"
                    allowClear
                    options={['kind', 'district', 'category'].map((f) => ({
                      value: f,
                      label: codeLabel(STRATUM_FIELD_LABELS, f),
                    }))}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="quotaMode" label={text('quotaMode')}>
                  <Radio.Group
                    options={[
                      { value: 'ratio', label: text('byRatio') },
                      { value: 'count', label: text('byCount') },
                    ]}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                {quotaMode === 'count' ? (
                  <Form.Item name="count" label={text('count')} rules={required}>
                    <InputNumber min={0} style={{ width: '100%' }} data-testid="plan-count" />
                  </Form.Item>
                ) : (
                  <Form.Item name="ratio" label={text('ratio')} rules={required}>
                    <InputNumber
                      min={0}
                      max={1}
                      step={0.01}
                      style={{ width: '100%' }}
                      data-testid="plan-ratio"
                    />
                  </Form.Item>
                )}
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="strata" label={text('strata')}>
                  <Input.TextArea rows={2} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="inspectorsPerTarget" label={text('inspectorsPerTarget')} rules={required}>
                  <InputNumber min={2} max={10} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="maxTargetsPerInspector" label={text('maxTargetsPerInspector')}>
                  <InputNumber min={1} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="excludedTargetKeys" label={text('excludedTargetKeys')}>
                  <Input.TextArea rows={2} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="excludedInspectorKeys" label={text('excludedInspectorKeys')}>
                  <Input.TextArea rows={2} />
                </Form.Item>
              </Col>
              <Col xs={24}>
                <Form.Item name="publicValueSource" label={text('publicValueSource')}>
                  <Input maxLength={500} data-testid="plan-public-value-source" />
                </Form.Item>
              </Col>
            </Row>
            {createError !== undefined && (
              <div style={{ marginBottom: 12 }}>
                <ErrorBox error={createError} testId="plan-create-error" />
              </div>
            )}
            <Button type="primary" htmlType="submit" loading={busy} data-testid="plan-create-submit">
              {text('create')}
            </Button>
          </Form>
        </Card>
      )}
    </Space>
  );
}
