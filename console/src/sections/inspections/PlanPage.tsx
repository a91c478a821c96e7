import { Button, Card, Descriptions, Form, Input, Select, Space, Spin, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import {
  call,
  inspectionsControllerApproveInspectionPlan,
  inspectionsControllerCloseInspectionPlan,
  inspectionsControllerCreateInspectionFinding,
  inspectionsControllerCreateInspectionRedraw,
  inspectionsControllerDrawInspectionPlan,
  inspectionsControllerGetInspectionPlan,
  inspectionsControllerGetInspectionPools,
  type CurrentAssignmentDto,
  type ExclusionDto,
  type FindingCaseDto,
  type FindingCreateDto,
  type RedrawDto,
  type StratumCountDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useI18n } from '../../i18n';
import {
  CaseSubjectsCard,
  MisconductTypesItem,
  newSubject,
  subjectInput,
  type SubjectValues,
} from '../records/CaseFields';
import { caseFieldOf } from '../records/CaseNewPage';
import { CardTitle, PageTitle } from '../../components/Titles';
import { formatInstant } from '../../time';
import { useSectionText } from '../types';
import { ErrorBox, useCodeLabel, useLoaded, versionOptions } from './common';
import { EXCLUSION_LABELS, messages, OUTCOME_LABELS, STATUS_LABELS, STRATUM_FIELD_LABELS } from './messages';

/** A nullable value of the answer (the OpenAPI document types nullable fields loosely) as text. */
const shown = (value: unknown): string =>
  value === null || value === undefined
    ? '—'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** A user of the registry by display name, by id when no user has it, '—' for nobody. */
const person = (name: string | null, id: unknown): string => name ?? shown(id);

/** The finding form; the case's fields count only for a suspected misconduct. */
interface FindingValues {
  targetKey: string;
  outcome: string;
  note?: string;
  authority?: string;
  misconductTypes?: FindingCaseDto['misconductTypes'];
  facts?: string;
  subjects?: SubjectValues[];
}

/** The case a suspected misconduct opens, from the finding form (fields as in Record a decision). */
const findingCase = (v: FindingValues): FindingCaseDto => ({
  authority: (v.authority ?? '').trim(),
  misconductTypes: v.misconductTypes ?? [],
  ...(v.facts?.trim() ? { facts: v.facts.trim() } : {}),
  subjects: (v.subjects ?? []).map(subjectInput),
});

/** The finding form's field for an API field: the case's (`case.…`) as the decision form maps them. */
const findingFieldOf = (apiField: string) =>
  apiField.startsWith('case.') ? caseFieldOf(apiField.slice('case.'.length)) : [apiField];

interface TargetRow {
  key: string;
  stratum: string;
  name: string;
  inspectors: string;
  outcome: string | null;
  note: string | null;
  caseId: string | null;
}

/** A small table of a draw, with its heading as its accessible name. */
function SmallTable<T extends object>(props: {
  title: string;
  rowKey: string | ((row: T) => string);
  columns: TableColumnsType<T>;
  rows: T[];
  testId: string;
}) {
  return (
    <div>
      <Typography.Title level={3} style={{ fontSize: 14 }}>
        {props.title}
      </Typography.Title>
      <Table<T>
        size="small"
        rowKey={props.rowKey}
        columns={props.columns}
        dataSource={props.rows}
        pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
        data-testid={props.testId}
        aria-label={props.title}
      />
    </div>
  );
}

/** One plan: its fields and status, the steps its status allows, the draw, redraws and findings. */
export function PlanPage() {
  const { id = '' } = useParams();
  const text = useSectionText(messages);
  const codeLabel = useCodeLabel();
  const { hasRole } = useAuth();
  const approver = hasRole('APPROVER') || hasRole('ADMIN');
  const recorder = hasRole('RECORDER') || hasRole('ADMIN');
  const {
    data,
    error: loadError,
    reload: load,
  } = useLoaded(id, async () => {
    const [plan, pools] = await Promise.all([
      call(inspectionsControllerGetInspectionPlan({ path: { id } })),
      call(inspectionsControllerGetInspectionPools({ query: { pageSize: 100 } })),
    ]);
    return { plan, versions: new Map(versionOptions(pools.items).map((o) => [o.value, o.label])) };
  });
  const plan = data?.plan;
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const [publicValue, setPublicValue] = useState('');
  const [redrawForm] = Form.useForm<{ targetKey: string; inspectorKey: string; reason: string }>();
  const [findingForm] = Form.useForm<FindingValues>();
  const redrawTarget = Form.useWatch('targetKey', redrawForm);
  const outcome = Form.useWatch('outcome', findingForm);
  const { t } = useI18n();

  /** Runs one step; the server's refusal is shown as it words it. */
  const step = async (name: string, run: () => Promise<unknown>, after?: () => void) => {
    setBusy(name);
    setActionError(undefined);
    try {
      await run();
      after?.();
      await load();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(undefined);
    }
  };

  if (loadError !== undefined) return <ErrorBox error={loadError} testId="plan-load-error" />;
  if (!plan) return <Spin />;
  /** A pool version by its name and number; its id when the pool is not among those read. */
  const version = (versionId: string) => data?.versions.get(versionId) ?? versionId;
  /** A stratum's label: `*` is the whole pool of an unstratified plan. */
  const stratumLabel = (stratum: string) => (stratum === '*' ? text('wholePool') : stratum);

  const draw = plan.draw;
  const assignments = new Map(plan.assignments.map((a) => [a.targetKey, a]));
  const findings = new Map(plan.findings.map((f) => [f.targetKey, f]));
  const targetRows: TargetRow[] = (draw?.result.targets ?? []).map((t) => {
    const a = assignments.get(t.key);
    const f = findings.get(t.key);
    return {
      key: t.key,
      stratum: t.stratum,
      name: a?.targetName ?? '',
      inspectors: a?.inspectors.map((i) => `${i.name}（${i.key}）`).join('、') ?? '',
      outcome: f?.outcome ?? null,
      note: typeof f?.note === 'string' ? f.note : null,
      caseId: typeof f?.caseId === 'string' ? f.caseId : null,
    };
  });
  const p = plan.parameters;

  const strataColumns: TableColumnsType<StratumCountDto> = [
    { key: 'stratum', title: text('stratum'), dataIndex: 'stratum', render: stratumLabel },
    { key: 'size', title: text('size'), dataIndex: 'size', width: 100 },
    { key: 'count', title: text('count'), dataIndex: 'count', width: 100 },
  ];
  const targetColumns: TableColumnsType<TargetRow> = [
    { key: 'key', title: text('targetKey'), dataIndex: 'key' },
    { key: 'name', title: text('targetName'), dataIndex: 'name' },
    { key: 'stratum', title: text('stratum'), dataIndex: 'stratum', render: stratumLabel },
    { key: 'inspectors', title: text('inspectors'), dataIndex: 'inspectors' },
    {
      key: 'outcome',
      title: text('outcome'),
      render: (_, row) =>
        row.outcome ? (
          <Space orientation="vertical" size={0}>
            <span data-testid="finding-outcome">{codeLabel(OUTCOME_LABELS, row.outcome)}</span>
            {row.note && <Typography.Text type="secondary">{row.note}</Typography.Text>}
            {row.caseId && (
              <a href={`#/records/cases/${row.caseId}`} data-testid="finding-case-link">
                {text('caseLink')}
              </a>
            )}
          </Space>
        ) : (
          <Typography.Text type="secondary">{text('noFinding')}</Typography.Text>
        ),
    },
  ];
  const assignmentColumns: TableColumnsType<CurrentAssignmentDto> = [
    { key: 'targetKey', title: text('targetKey'), dataIndex: 'targetKey' },
    { key: 'targetName', title: text('targetName'), dataIndex: 'targetName' },
    {
      key: 'inspectors',
      title: text('inspectors'),
      render: (_, a) => a.inspectors.map((i) => `${i.name}（${i.key}，${i.organisation}）`).join('；'),
    },
  ];
  const exclusionColumns: TableColumnsType<ExclusionDto> = [
    {
      key: 'reason',
      title: text('reason'),
      dataIndex: 'reason',
      render: (r: string) => codeLabel(EXCLUSION_LABELS, r),
    },
    {
      key: 'targetKey',
      title: text('targetKey'),
      dataIndex: 'targetKey',
      render: (k: string | null) => k ?? '—',
    },
    {
      key: 'inspectorKey',
      title: text('inspectorKey'),
      dataIndex: 'inspectorKey',
      render: (k: string | null) => k ?? '—',
    },
  ];
  const redrawColumns: TableColumnsType<RedrawDto> = [
    { key: 'seq', title: text('seq'), dataIndex: 'seq', width: 60 },
    { key: 'targetKey', title: text('targetKey'), dataIndex: 'targetKey' },
    { key: 'inspectorKey', title: text('inspectorKey'), dataIndex: 'inspectorKey' },
    { key: 'replacementKey', title: text('replacementKey'), dataIndex: 'replacementKey' },
    { key: 'reason', title: text('reason'), dataIndex: 'reason' },
  ];

  const drawnKeys = targetRows.map((t) => ({ value: t.key, label: `${t.key} ${t.name}` }));
  const inspectorsOf = (targetKey: string | undefined) =>
    (assignments.get(targetKey ?? '')?.inspectors ?? []).map((i) => ({
      value: i.key,
      label: `${i.key} ${i.name}`,
    }));
  const required = [{ required: true, message: text('required') }];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{plan.title}</PageTitle>
      <Space>
        <Tag color="blue" data-testid="plan-status" data-status={plan.status}>
          {codeLabel(STATUS_LABELS, plan.status)}
        </Tag>
      </Space>
      {actionError !== undefined && <ErrorBox error={actionError} testId="plan-action-error" />}

      <Card title={<CardTitle>{text('planFields')}</CardTitle>}>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2 }}
          data-testid="plan-fields"
          items={[
            { key: 'scope', label: text('scope'), children: plan.scope, span: 'filled' as const },
            { key: 'year', label: text('year'), children: plan.year },
            { key: 'items', label: text('itemsShown'), children: plan.items.join('；') },
            { key: 'tpv', label: text('targetPoolVersion'), children: version(plan.targetPoolVersionId) },
            {
              key: 'ipv',
              label: text('inspectorPoolVersion'),
              children: version(plan.inspectorPoolVersionId),
            },
            {
              key: 'stratifyBy',
              label: text('stratifyBy'),
              children:
                p.stratifyBy.map((f) => codeLabel(STRATUM_FIELD_LABELS, f)).join('、') || text('none'),
            },
            {
              key: 'quota',
              label: typeof p.ratioPer10000 === 'number' ? text('ratioShown') : text('count'),
              children:
                typeof p.ratioPer10000 === 'number' ? String(p.ratioPer10000 / 10000) : shown(p.count),
            },
            { key: 'ipt', label: text('inspectorsPerTarget'), children: p.inspectorsPerTarget },
            {
              key: 'max',
              label: text('maxTargetsPerInspector'),
              children: shown(p.maxTargetsPerInspector),
            },
            {
              key: 'exT',
              label: text('excludedTargets'),
              children: p.excludedTargetKeys.join('、') || text('none'),
            },
            {
              key: 'exI',
              label: text('excludedInspectors'),
              children: p.excludedInspectorKeys.join('、') || text('none'),
            },
            { key: 'pvs', label: text('publicValueSource'), children: shown(plan.publicValueSource) },
            {
              key: 'createdBy',
              label: text('createdBy'),
              children: (
                <span data-testid="plan-created-by">{person(plan.createdByName, plan.createdBy)}</span>
              ),
            },
            { key: 'createdAt', label: text('createdAt'), children: formatInstant(plan.createdAt) },
            {
              key: 'approvedBy',
              label: text('approvedBy'),
              children: (
                <span data-testid="plan-approved-by">{person(plan.approvedByName, plan.approvedBy)}</span>
              ),
            },
            {
              key: 'approvedAt',
              label: text('approvedAt'),
              children: plan.approvedAt ? formatInstant(plan.approvedAt) : '—',
            },
            {
              key: 'closedBy',
              label: text('closedBy'),
              children: <span data-testid="plan-closed-by">{person(plan.closedByName, plan.closedBy)}</span>,
            },
            {
              key: 'closedAt',
              label: text('closedAt'),
              children: plan.closedAt ? formatInstant(plan.closedAt) : '—',
            },
          ]}
        />
        <div style={{ marginTop: 16 }}>
          <SmallTable<StratumCountDto>
            title={text('expectedStrata')}
            rowKey="stratum"
            columns={strataColumns}
            rows={plan.expectedStrata}
            testId="plan-expected-strata"
          />
        </div>
        {approver && (
          <Space wrap style={{ marginTop: 16 }}>
            {plan.status === 'DRAFT' && (
              <Button
                type="primary"
                loading={busy === 'approve'}
                data-testid="plan-approve"
                onClick={() =>
                  void step('approve', () =>
                    call(inspectionsControllerApproveInspectionPlan({ path: { id } })),
                  )
                }
              >
                {text('approve')}
              </Button>
            )}
            {plan.status === 'APPROVED' && (
              <>
                {Boolean(plan.publicValueSource) && (
                  <>
                    <label htmlFor="plan-public-value">{text('publicValue')}</label>
                    <Input
                      id="plan-public-value"
                      style={{ width: 320 }}
                      value={publicValue}
                      onChange={(e) => setPublicValue(e.target.value)}
                      data-testid="plan-public-value"
                    />
                  </>
                )}
                <Button
                  type="primary"
                  loading={busy === 'draw'}
                  data-testid="plan-draw"
                  onClick={() =>
                    void step('draw', () =>
                      call(
                        inspectionsControllerDrawInspectionPlan({
                          path: { id },
                          body: { publicValue: publicValue.trim() || undefined },
                        }),
                      ),
                    )
                  }
                >
                  {text('draw')}
                </Button>
              </>
            )}
            {plan.status === 'DRAWN' && (
              <Button
                type="primary"
                loading={busy === 'close'}
                data-testid="plan-close"
                onClick={() =>
                  void step('close', () => call(inspectionsControllerCloseInspectionPlan({ path: { id } })))
                }
              >
                {text('close')}
              </Button>
            )}
          </Space>
        )}
      </Card>

      <Card title={<CardTitle>{text('drawTitle')}</CardTitle>} data-testid="plan-draw-result">
        {!draw ? (
          <Typography.Text type="secondary">{text('notDrawn')}</Typography.Text>
        ) : (
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Descriptions
              size="small"
              column={1}
              items={[
                { key: 'drawnAt', label: text('drawnAt'), children: formatInstant(draw.drawnAt) },
                {
                  key: 'seed',
                  label: text('seed'),
                  children: (
                    <Typography.Text code data-testid="plan-seed">
                      {draw.seed}
                    </Typography.Text>
                  ),
                },
                {
                  key: 'serverRandom',
                  label: text('serverRandom'),
                  children: <Typography.Text code>{draw.serverRandom}</Typography.Text>,
                },
                { key: 'publicValue', label: text('publicValue'), children: draw.publicValue || '—' },
                {
                  key: 'pools',
                  label: text('poolVersions'),
                  children: (
                    <Space orientation="vertical" size={0}>
                      <span>
                        {text('targetPoolVersion')}: {version(draw.targetPool.versionId)} ·{' '}
                        <Typography.Text code>{draw.targetPool.hash.slice(0, 16)}…</Typography.Text>
                      </span>
                      <span>
                        {text('inspectorPoolVersion')}: {version(draw.inspectorPool.versionId)} ·{' '}
                        <Typography.Text code>{draw.inspectorPool.hash.slice(0, 16)}…</Typography.Text>
                      </span>
                    </Space>
                  ),
                },
                {
                  key: 'resultHash',
                  label: text('resultHash'),
                  children: <Typography.Text code>{draw.resultHash}</Typography.Text>,
                },
                {
                  key: 'barred',
                  label: text('barred'),
                  children: draw.barredInspectorKeys.join('、') || text('none'),
                },
              ]}
            />
            <SmallTable<StratumCountDto>
              title={text('drawnStrata')}
              rowKey="stratum"
              columns={strataColumns}
              rows={draw.result.strata}
              testId="draw-strata"
            />
            <SmallTable<TargetRow>
              title={text('targetsDrawn')}
              rowKey="key"
              columns={targetColumns}
              rows={targetRows}
              testId="draw-targets"
            />
            <SmallTable<CurrentAssignmentDto>
              title={text('assignments')}
              rowKey="targetKey"
              columns={assignmentColumns}
              rows={plan.assignments}
              testId="draw-assignments"
            />
            <SmallTable<ExclusionDto>
              title={text('exclusions')}
              rowKey={(e) => `${e.reason}:${e.targetKey ?? ''}:${e.inspectorKey ?? ''}`}
              columns={exclusionColumns}
              rows={draw.result.exclusions}
              testId="draw-exclusions"
            />
            <SmallTable<RedrawDto>
              title={text('redraws')}
              rowKey="seq"
              columns={redrawColumns}
              rows={draw.redraws}
              testId="draw-redraws"
            />
          </Space>
        )}
      </Card>

      {plan.status === 'DRAWN' && approver && (
        <Card title={<CardTitle>{text('redrawCreate')}</CardTitle>}>
          <Form
            form={redrawForm}
            layout="vertical"
            data-testid="redraw-form"
            onFinish={(v) =>
              void step(
                'redraw',
                () => call(inspectionsControllerCreateInspectionRedraw({ path: { id }, body: v })),
                () => redrawForm.resetFields(),
              )
            }
          >
            <Form.Item name="targetKey" label={text('targetKey')} rules={required}>
              <Select
                options={drawnKeys}
                data-testid="redraw-target"
                onChange={() => redrawForm.setFieldValue('inspectorKey', undefined)}
              />
            </Form.Item>
            <Form.Item name="inspectorKey" label={text('inspectorKey')} rules={required}>
              <Select options={inspectorsOf(redrawTarget)} data-testid="redraw-inspector" />
            </Form.Item>
            <Form.Item name="reason" label={text('reason')} rules={required}>
              <Input maxLength={2000} data-testid="redraw-reason" />
            </Form.Item>
            <Button htmlType="submit" loading={busy === 'redraw'} data-testid="redraw-submit">
              {text('submit')}
            </Button>
          </Form>
        </Card>
      )}

      {plan.status === 'DRAWN' && recorder && (
        <Card title={<CardTitle>{text('findingCreate')}</CardTitle>}>
          <Form
            form={findingForm}
            layout="vertical"
            data-testid="finding-form"
            initialValues={{ subjects: [newSubject()] }}
            onFinish={(v) => {
              const body: FindingCreateDto = {
                targetKey: v.targetKey,
                outcome: v.outcome as FindingCreateDto['outcome'],
                note: v.note?.trim() || undefined,
                case: v.outcome === 'SUSPECTED_MISCONDUCT' ? findingCase(v) : undefined,
              };
              clearFieldErrors(findingForm);
              void step(
                'finding',
                () =>
                  call(inspectionsControllerCreateInspectionFinding({ path: { id }, body })).catch(
                    (e: unknown) => {
                      // Beside its field as well as in the error box, as in Record a decision.
                      showFieldErrors(findingForm, e, findingFieldOf);
                      throw e;
                    },
                  ),
                () => findingForm.resetFields(),
              );
            }}
          >
            <Form.Item name="targetKey" label={text('targetKey')} rules={required}>
              <Select
                options={drawnKeys.filter((k) => !findings.has(k.value))}
                data-testid="finding-target"
              />
            </Form.Item>
            <Form.Item name="outcome" label={text('outcome')} rules={required}>
              <Select
                data-testid="finding-outcome-select"
                options={Object.keys(OUTCOME_LABELS.zh).map((o) => ({
                  value: o,
                  label: codeLabel(OUTCOME_LABELS, o),
                }))}
              />
            </Form.Item>
            <Form.Item name="note" label={text('note')}>
              <Input.TextArea rows={2} data-testid="finding-note" />
            </Form.Item>
            {outcome === 'SUSPECTED_MISCONDUCT' && (
              <div style={{ marginBottom: 24 }}>
                <Typography.Paragraph type="secondary">{text('caseOpened')}</Typography.Paragraph>
                <Form.Item
                  name="authority"
                  label={t('authority')}
                  rules={[{ required: true, whitespace: true, message: text('required') }]}
                >
                  <Input maxLength={200} data-testid="finding-authority" />
                </Form.Item>
                <MisconductTypesItem testId="finding-misconduct" />
                <Form.Item name="facts" label={text('facts')}>
                  <Input.TextArea rows={3} maxLength={10000} data-testid="finding-facts" />
                </Form.Item>
                <CaseSubjectsCard testId="finding" />
              </div>
            )}
            <Button
              type="primary"
              htmlType="submit"
              loading={busy === 'finding'}
              data-testid="finding-submit"
            >
              {text('submit')}
            </Button>
          </Form>
        </Card>
      )}
    </Space>
  );
}
