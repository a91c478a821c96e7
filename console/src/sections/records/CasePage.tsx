import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Form,
  Modal,
  Select,
  Space,
  Spin,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  ApiError,
  call,
  casesControllerGetCase,
  listingsControllerGetListing,
  listingsControllerProposeListing,
  type CaseResponseDto,
  type ListingDetailsDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useI18n } from '../../i18n';
import { pickerDay } from '../../time';
import { useSectionText } from '../types';
import { text, useCodeLabel } from './codes';
import { ListingSummary } from './ListingHistory';
import { MeasuresTable } from './MeasuresTable';
import { messages } from './messages';
import { CardTitle, PageTitle } from './shared';

interface Loaded {
  item: CaseResponseDto;
  listings: ListingDetailsDto[];
}

async function loadCase(id: string): Promise<Loaded> {
  const item = await call(casesControllerGetCase({ path: { id } }));
  const listings = await Promise.all(
    item.listingIds.map((listingId) => call(listingsControllerGetListing({ path: { id: listingId } }))),
  );
  return { item, listings };
}

export function CasePage() {
  const { id = '' } = useParams();
  const s = useSectionText(messages);
  const { t, label } = useI18n();
  const code = useCodeLabel();
  const { hasRole } = useAuth();
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [proposing, setProposing] = useState(false);

  const reload = useCallback(() => {
    let live = true;
    setError(undefined);
    loadCase(id)
      .then((l) => live && setLoaded(l))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [id]);

  useEffect(() => {
    setLoaded(undefined);
    return reload();
  }, [reload]);

  const item = loaded?.item;
  const names = Object.fromEntries((item?.subjects ?? []).map((x) => [x.subjectId, x.name]));
  const decided = item && ['DECIDED', 'FINAL', 'REVIEW_REQUESTED', 'APPEALED'].includes(item.status);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>
        {s('caseTitle')}
        {item ? `：${text(item.decisionNumber) || item.id}` : ''}
      </PageTitle>
      {error && (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="case-load-error"
          title={s('loadFailed')}
          description={error}
        />
      )}
      {!error && !loaded && <Spin />}
      {item && loaded && (
        <>
          <Card title={<CardTitle>{s('decision')}</CardTitle>} data-testid="case-details">
            <Descriptions
              column={{ xs: 1, md: 2 }}
              items={[
                { key: 'number', label: t('decisionNumber'), children: text(item.decisionNumber) || '—' },
                { key: 'authority', label: t('authority'), children: item.authority },
                {
                  key: 'date',
                  label: `${t('decisionDate')}（${s('effectiveDate')}）`,
                  children: text(item.decisionDate) || '—',
                },
                {
                  key: 'status',
                  label: s('caseStatus'),
                  children: <span data-testid="case-status-value">{code('caseStatus', item.status)}</span>,
                },
                { key: 'severity', label: s('severity'), children: code('severity', item.severity) },
                { key: 'source', label: s('source'), children: code('source', item.source) },
                {
                  key: 'misconduct',
                  label: s('misconductTypes'),
                  span: 2,
                  children: item.misconductTypes.map((m) => <Tag key={m}>{code('misconduct', m)}</Tag>),
                },
                { key: 'facts', label: s('facts'), span: 2, children: text(item.facts) || '—' },
                { key: 'basis', label: s('legalBasis'), span: 2, children: text(item.legalBasis) || '—' },
              ]}
            />
          </Card>
          <Card title={<CardTitle>{s('subjects')}</CardTitle>}>
            <ul style={{ margin: 0, paddingInlineStart: 20 }} data-testid="case-subjects">
              {item.subjects.map((x) => (
                <li key={x.subjectId}>
                  <Link to={`/records/subjects/${x.subjectId}`} data-testid="case-subject-link">
                    {x.name}
                  </Link>{' '}
                  {x.roles.map((r) => (
                    <Tag key={r}>{code('caseRole', r)}</Tag>
                  ))}
                </li>
              ))}
            </ul>
          </Card>
          <Card title={<CardTitle>{s('measures')}</CardTitle>}>
            <MeasuresTable
              measures={item.measures}
              subjectNames={names}
              ruleVersion={typeof item.ruleVersion === 'number' ? item.ruleVersion : undefined}
            />
          </Card>
          <Card
            title={<CardTitle>{s('listings')}</CardTitle>}
            extra={
              decided &&
              (hasRole('RECORDER') || hasRole('ADMIN')) && (
                <Button onClick={() => setProposing(true)} data-testid="propose-listing">
                  {s('proposeListing')}
                </Button>
              )
            }
          >
            {loaded.listings.length === 0 ? (
              <Typography.Text>{s('noListings')}</Typography.Text>
            ) : (
              <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
                {loaded.listings.map((l) => (
                  <Card
                    key={l.id}
                    size="small"
                    type="inner"
                    data-testid="case-listing"
                    title={
                      <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
                        {label('listType', l.listType)}：
                        <Link to={`/records/subjects/${l.subjectId}`} style={{ textDecoration: 'underline' }}>
                          {l.subjectName}
                        </Link>
                      </Typography.Title>
                    }
                    extra={
                      <Typography.Text type="secondary" copyable={{ text: l.id }}>
                        {l.id.slice(0, 8)}
                      </Typography.Text>
                    }
                  >
                    <ListingSummary listing={l} />
                  </Card>
                ))}
              </Space>
            )}
          </Card>
          <ProposeDialog
            open={proposing}
            item={item}
            onClose={(done) => {
              setProposing(false);
              if (done) reload();
            }}
          />
        </>
      )}
    </Space>
  );
}

interface ProposeValues {
  subjectId: string;
  listType: 'BLACK' | 'WATCH';
  effectiveFrom: Dayjs;
  effectiveTo?: Dayjs;
}

function ProposeDialog({
  open,
  item,
  onClose,
}: {
  open: boolean;
  item: CaseResponseDto;
  onClose: (done: boolean) => void;
}) {
  const s = useSectionText(messages);
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ProposeValues>();
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (v: ProposeValues) => {
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    try {
      await call(
        listingsControllerProposeListing({
          body: {
            subjectId: v.subjectId,
            listType: v.listType,
            caseId: item.id,
            effectiveFrom: pickerDay(v.effectiveFrom),
            ...(v.effectiveTo ? { effectiveTo: pickerDay(v.effectiveTo) } : {}),
          },
        }),
      );
      void message.success(s('proposed'));
      form.resetFields();
      onClose(true);
    } catch (e) {
      setErrors(showFieldErrors(form, e, (f) => (f ? [f.split('.')[0]] : undefined)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={s('proposeTitle')}
      okText={s('proposeSubmit')}
      cancelText={t('cancel')}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={() => onClose(false)}
      destroyOnHidden
    >
      <Form<ProposeValues>
        form={form}
        layout="vertical"
        name="propose"
        initialValues={{ listType: 'BLACK', subjectId: item.subjects[0]?.subjectId }}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item name="subjectId" label={t('subject')} rules={[{ required: true }]}>
          <Select
            data-testid="propose-subject"
            options={item.subjects.map((x) => ({ value: x.subjectId, label: x.name }))}
          />
        </Form.Item>
        <Form.Item name="listType" label={s('listType')}>
          <Select
            data-testid="propose-list-type"
            options={(['BLACK', 'WATCH'] as const).map((c) => ({ value: c, label: label('listType', c) }))}
          />
        </Form.Item>
        <Form.Item
          name="effectiveFrom"
          label={s('effectiveFrom')}
          rules={[{ required: true, message: s('effectiveFromRequired') }]}
        >
          <DatePicker data-testid="propose-from" />
        </Form.Item>
        <Form.Item name="effectiveTo" label={s('effectiveTo')}>
          <DatePicker data-testid="propose-to" />
        </Form.Item>
        {errors.length > 0 && (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={s('proposeFailed')}
            description={errors.join('；')}
          />
        )}
      </Form>
    </Modal>
  );
}
