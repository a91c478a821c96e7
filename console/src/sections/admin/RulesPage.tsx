import { DiffOutlined, EyeOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  ApiError,
  call,
  rulesControllerCreateRuleSet,
  rulesControllerGetRuleSet,
  rulesControllerGetRuleSets,
  type MeasureTypeRuleDto,
  type ReviewDomainRuleDto,
  type RuleDataDto,
  type RuleSetResponseDto,
  type RuleSetSummaryDto,
  type SeverityBandDto,
} from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { formatInstant, dayValue, pickerDay, todayInChina } from '../../time';
import { jsonDiff, showValue, type JsonDiffEntry } from './jsonDiff';
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

type Text = ReturnType<typeof useText>;

function DomainTags({ codes, data }: { codes: string[]; data: RuleDataDto }) {
  return codes.map((code) => (
    <Tag key={code} title={code}>
      {data.reviewDomains.find((d) => d.code === code)?.label ?? code}
    </Tag>
  ));
}

/** One version's data as readable tables. */
function RuleDataView({ set, t }: { set: RuleSetResponseDto; t: Text }) {
  const { data } = set;
  const yesNo = (v: boolean) => (v ? t('yes') : t('no'));
  const sub = (text: string) => (
    <Typography.Title level={3} style={{ fontSize: 15, marginTop: 16 }}>
      {text}
    </Typography.Title>
  );
  return (
    <div data-testid="rule-data">
      {sub(t('reviewDomains'))}
      <Table<ReviewDomainRuleDto>
        size="small"
        rowKey="code"
        pagination={false}
        dataSource={data.reviewDomains}
        data-testid="rule-domains"
        columns={[
          { title: t('code'), dataIndex: 'code', render: (v: string) => <code>{v}</code> },
          { title: t('label'), dataIndex: 'label' },
          { title: t('description'), dataIndex: 'description' },
        ]}
      />
      {sub(t('measureTypes'))}
      <Table<MeasureTypeRuleDto>
        size="small"
        rowKey="code"
        pagination={false}
        dataSource={data.measureTypes}
        data-testid="rule-measures"
        columns={[
          { title: t('code'), dataIndex: 'code', render: (v: string) => <code>{v}</code> },
          { title: t('label'), dataIndex: 'label' },
          { title: t('isBar'), dataIndex: 'isBar', render: yesNo },
          {
            title: t('timing'),
            dataIndex: 'timing',
            render: (v: MeasureTypeRuleDto['timing']) => t(`timing${v}`),
          },
          {
            title: t('allowedDomains'),
            dataIndex: 'allowedDomains',
            render: (v: string[]) => (v.length ? <DomainTags codes={v} data={data} /> : t('none')),
          },
          { title: t('putsOnList'), dataIndex: 'putsOnList', render: (v?: string) => v ?? '' },
        ]}
      />
      {sub(t('blackListBarredDomains'))}
      <DomainTags codes={data.blackListBarredDomains} data={data} />
      {sub(t('periods'))}
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, md: 2 }}
        data-testid="rule-periods"
        items={[
          { key: 'red', label: t('redObjectionPeriodDays'), children: data.redObjectionPeriodDays },
          {
            key: 'objection',
            label: t('objectionHandlingWorkingDays'),
            children: data.objectionHandlingWorkingDays,
          },
          { key: 'disclosure', label: t('disclosureMaxYears'), children: data.disclosureMaxYears },
          ...(
            [
              'investigationMonths',
              'investigationExtensionMonths',
              'reviewRequestWorkingDays',
              'reviewDecisionWorkingDays',
              'appealWorkingDays',
            ] as const
          ).map((k) => ({ key: k, label: t(k), children: data.procedure[k] })),
          ...(['GENERAL', 'SERIOUS'] as const).map((cls) => ({
            key: cls,
            label: t('publicityPeriod', { cls }),
            children: `${data.publicity.periods[cls].minMonths} – ${data.publicity.periods[cls].maxMonths}`,
          })),
        ]}
      />
      {sub(t('severityBands'))}
      <Table<SeverityBandDto>
        size="small"
        rowKey={(b) => `${b.scheme}:${b.severity}`}
        pagination={false}
        dataSource={data.severityBands}
        columns={[
          { title: t('scheme'), dataIndex: 'scheme' },
          { title: t('severity'), dataIndex: 'severity' },
          { title: t('minMonths'), dataIndex: 'minMonths' },
          {
            title: t('maxMonths'),
            dataIndex: 'maxMonths',
            render: (v: number | null) => v ?? t('noLimit'),
          },
          { title: t('lifetime'), dataIndex: 'lifetime', render: yesNo },
        ]}
      />
    </div>
  );
}

function DiffTable({ entries, t }: { entries: JsonDiffEntry[]; t: Text }) {
  if (entries.length === 0)
    return (
      <Typography.Paragraph data-testid="diff-same" style={{ marginTop: 16 }}>
        {t('diffSame')}
      </Typography.Paragraph>
    );
  const tone = { added: 'green', removed: 'red', changed: 'orange' } as const;
  return (
    <>
      <Typography.Paragraph style={{ marginTop: 16 }}>
        {t('diffCount', { n: entries.length })}
      </Typography.Paragraph>
      <Table<JsonDiffEntry>
        size="small"
        rowKey="path"
        pagination={entries.length > 50 ? { pageSize: 50 } : false}
        dataSource={entries}
        data-testid="diff-table"
        columns={[
          { title: t('path'), dataIndex: 'path', render: (v: string) => <code>{v}</code> },
          {
            title: t('change'),
            dataIndex: 'kind',
            render: (k: JsonDiffEntry['kind']) => <Mark tone={tone[k]}>{t(k)}</Mark>,
          },
          { title: t('before'), dataIndex: 'before', render: (v: unknown) => <code>{showValue(v)}</code> },
          { title: t('after'), dataIndex: 'after', render: (v: unknown) => <code>{showValue(v)}</code> },
        ]}
      />
    </>
  );
}

interface NewValues {
  base: number;
  effectiveFrom: Dayjs;
  data: string;
  note?: string;
}

function NewVersionDialog({
  open,
  versions,
  base,
  fetchSet,
  onClose,
  onCreated,
}: {
  open: boolean;
  versions: RuleSetSummaryDto[];
  base: number | undefined;
  fetchSet(version: number): Promise<RuleSetResponseDto>;
  onClose(): void;
  onCreated(created: RuleSetResponseDto, base: number): void;
}) {
  const t = useText();
  const [form] = Form.useForm<NewValues>();
  const [error, setError] = useState<ShownError>(NO_ERROR);
  const [busy, setBusy] = useState(false);

  const prefill = useCallback(
    async (version: number) => {
      try {
        const set = await fetchSet(version);
        form.setFieldsValue({ base: version, data: JSON.stringify(set.data, null, 2) });
      } catch (e) {
        setError(shownError(e));
      }
    },
    [fetchSet, form],
  );

  useEffect(() => {
    if (open && base !== undefined) {
      setError(NO_ERROR);
      clearFieldErrors(form);
      form.setFieldsValue({ effectiveFrom: dayValue(todayInChina()), note: '' });
      void prefill(base);
    }
  }, [open, base, form, prefill]);

  const submit = async (values: NewValues) => {
    setError(NO_ERROR);
    clearFieldErrors(form);
    let data: unknown;
    try {
      data = JSON.parse(values.data);
    } catch (e) {
      form.setFields([{ name: 'data', errors: [t('invalidJson', { msg: (e as Error).message })] }]);
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      form.setFields([{ name: 'data', errors: [t('notAnObject')] }]);
      return;
    }
    setBusy(true);
    try {
      const created = await call(
        rulesControllerCreateRuleSet({
          body: {
            effectiveFrom: pickerDay(values.effectiveFrom),
            data: data as RuleDataDto,
            ...(values.note?.trim() ? { note: values.note.trim() } : {}),
          },
        }),
      );
      onCreated(created, values.base);
    } catch (e) {
      if (e instanceof ApiError) {
        const isData = (f: string) => f === 'data' || f.startsWith('data.');
        const dataLines = e.details.filter((d) => isData(d.field)).map((d) => `${d.field}: ${d.message}`);
        const rest = new ApiError(
          e.status,
          e.code,
          e.message,
          e.details.filter((d) => !isData(d.field)),
          e.requestId,
        );
        const lines = showFieldErrors(form, rest, (f) =>
          f === 'effectiveFrom' || f === 'note' ? [f] : undefined,
        );
        if (dataLines.length) form.setFields([{ name: 'data', errors: dataLines }]);
        setError(shownError(e, lines));
      } else setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open={open} title={t('newVersionTitle')} onCancel={onClose} footer={null} width={900} forceRender>
      <Form<NewValues> form={form} name="new-rule-set" layout="vertical" onFinish={(v) => void submit(v)}>
        <Space wrap size="large" align="start">
          <Form.Item name="base" label={t('baseVersion')}>
            <Select
              style={{ width: 200 }}
              data-testid="new-base"
              options={versions.map((v) => ({ value: v.version, label: t('versionN', { v: v.version }) }))}
              onChange={(v: number) => void prefill(v)}
            />
          </Form.Item>
          <Form.Item
            name="effectiveFrom"
            label={t('effectiveFrom')}
            rules={[{ required: true, message: t('effectiveFromRequired') }]}
          >
            <DatePicker data-testid="new-effective-from" allowClear={false} />
          </Form.Item>
        </Space>
        <Form.Item
          name="data"
          label={t('dataJson')}
          extra={t('dataHelp')}
          rules={[{ required: true, whitespace: true, message: t('dataRequired') }]}
        >
          <Input.TextArea
            data-testid="new-data"
            rows={18}
            spellCheck={false}
            style={{ fontFamily: 'monospace', fontSize: 13 }}
          />
        </Form.Item>
        <Form.Item name="note" label={t('note')}>
          <Input data-testid="new-note" maxLength={500} />
        </Form.Item>
        <ErrorAlert title={t('createFailed')} testId="new-error" {...error} />
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="new-submit">
            {t('newVersion')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Modal>
  );
}

export function RulesPage() {
  const t = useText();
  const { message } = App.useApp();
  const [versions, setVersions] = useState<RuleSetSummaryDto[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ShownError>(NO_ERROR);
  const [viewed, setViewed] = useState<RuleSetResponseDto>();
  const [from, setFrom] = useState<number>();
  const [to, setTo] = useState<number>();
  const [diff, setDiff] = useState<{ from: number; to: number; entries: JsonDiffEntry[] }>();
  const [creatingFrom, setCreatingFrom] = useState<number>();
  const cache = useRef(new Map<number, Promise<RuleSetResponseDto>>());

  const fetchSet = useCallback((version: number) => {
    let pending = cache.current.get(version);
    if (!pending) {
      pending = call(rulesControllerGetRuleSet({ path: { version } }));
      pending.catch(() => cache.current.delete(version));
      cache.current.set(version, pending);
    }
    return pending;
  }, []);

  const view = useCallback(
    async (version: number) => {
      try {
        setViewed(await fetchSet(version));
      } catch (e) {
        setError(shownError(e));
      }
    },
    [fetchSet],
  );

  const compare = useCallback(
    async (a: number, b: number) => {
      setError(NO_ERROR);
      try {
        const [x, y] = await Promise.all([fetchSet(a), fetchSet(b)]);
        setDiff({ from: a, to: b, entries: jsonDiff(x.data, y.data) });
      } catch (e) {
        setError(shownError(e));
      }
    },
    [fetchSet],
  );

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const list = await call(rulesControllerGetRuleSets());
      setVersions(list);
      return list;
    } catch (e) {
      setError(shownError(e));
      return [];
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load().then((list) => {
      const latest = list.reduce<number | undefined>((m, v) => Math.max(m ?? 0, v.version), undefined);
      if (latest !== undefined) {
        void view(latest);
        setFrom((f) => f ?? list.find((v) => v.version < latest)?.version ?? latest);
        setTo((x) => x ?? latest);
      }
    });
  }, [load, view]);

  const latest = versions.reduce<number | undefined>((m, v) => Math.max(m ?? 0, v.version), undefined);
  const versionOptions = versions.map((v) => ({
    value: v.version,
    label: `${t('versionN', { v: v.version })}（${v.effectiveFrom}）`,
  }));

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{t('rulesTitle')}</PageTitle>
      <ErrorAlert title={t('loadFailed')} testId="rules-error" {...error} />
      <Card
        title={<CardTitle>{t('versions')}</CardTitle>}
        extra={
          <Button
            type="primary"
            icon={<PlusOutlined />}
            disabled={latest === undefined}
            onClick={() => setCreatingFrom(viewed?.version ?? latest)}
            data-testid="rules-new"
          >
            {t('newVersion')}
          </Button>
        }
      >
        <Table<RuleSetSummaryDto>
          rowKey="version"
          size="small"
          loading={loading}
          dataSource={[...versions].sort((a, b) => b.version - a.version)}
          pagination={false}
          data-testid="rules-versions"
          columns={[
            { title: t('version'), dataIndex: 'version' },
            { title: t('effectiveFrom'), dataIndex: 'effectiveFrom' },
            { title: t('note'), dataIndex: 'note', render: (v: string | null) => v ?? '' },
            { title: t('createdAt'), dataIndex: 'createdAt', render: (v: string) => formatInstant(v) },
            {
              title: t('actions'),
              key: 'actions',
              render: (_, v) =>
                viewed?.version === v.version ? (
                  <Tag color="blue">{t('viewing')}</Tag>
                ) : (
                  <Button
                    size="small"
                    icon={<EyeOutlined />}
                    onClick={() => void view(v.version)}
                    data-testid={`rules-view-${v.version}`}
                  >
                    {t('view')}
                  </Button>
                ),
            },
          ]}
        />
      </Card>
      <Card title={<CardTitle>{t('diffTitle')}</CardTitle>} data-testid="rules-diff">
        <Form
          layout="inline"
          name="rule-diff"
          onFinish={() => from !== undefined && to !== undefined && void compare(from, to)}
        >
          <Form.Item label={t('diffFrom')} htmlFor="diff-from">
            <Select
              id="diff-from"
              style={{ width: 220 }}
              value={from}
              onChange={setFrom}
              options={versionOptions}
              data-testid="diff-from"
            />
          </Form.Item>
          <Form.Item label={t('diffTo')} htmlFor="diff-to">
            <Select
              id="diff-to"
              style={{ width: 220 }}
              value={to}
              onChange={setTo}
              options={versionOptions}
              data-testid="diff-to"
            />
          </Form.Item>
          <Button htmlType="submit" icon={<DiffOutlined />} data-testid="diff-run">
            {t('diffRun')}
          </Button>
        </Form>
        {diff && (
          <div data-testid="diff-result" data-from={diff.from} data-to={diff.to}>
            <DiffTable entries={diff.entries} t={t} />
          </div>
        )}
      </Card>
      <Card
        title={<CardTitle>{viewed ? t('versionData', { v: viewed.version }) : t('versions')}</CardTitle>}
        data-testid="rules-view"
        data-version={viewed?.version}
      >
        {viewed ? (
          <>
            <Descriptions
              size="small"
              column={{ xs: 1, md: 3 }}
              items={[
                { key: 'from', label: t('effectiveFrom'), children: viewed.effectiveFrom },
                { key: 'created', label: t('createdAt'), children: formatInstant(viewed.createdAt) },
                { key: 'note', label: t('note'), children: viewed.note ?? '' },
              ]}
            />
            <RuleDataView set={viewed} t={t} />
          </>
        ) : (
          <Empty />
        )}
      </Card>
      <NewVersionDialog
        open={creatingFrom !== undefined}
        versions={versions}
        base={creatingFrom}
        fetchSet={fetchSet}
        onClose={() => setCreatingFrom(undefined)}
        onCreated={(created, base) => {
          setCreatingFrom(undefined);
          void message.success(t('versionCreated', { v: created.version }));
          cache.current.set(created.version, Promise.resolve(created));
          setViewed(created);
          setFrom(base);
          setTo(created.version);
          void load();
          void compare(base, created.version);
        }}
      />
    </Space>
  );
}
