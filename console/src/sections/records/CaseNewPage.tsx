import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  Radio,
  Row,
  Select,
  Space,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { call, casesControllerCreateCase, type CaseCreateDto, type MeasureInputDto } from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { domainLabel, useRuleSet } from '../../rules';
import { pickerDay } from '../../time';
import { useSectionText } from '../types';
import { SEVERITIES, SOURCES, useCodeLabel } from './codes';
import {
  CaseSubjectsCard,
  InnerTitle,
  MisconductTypesItem,
  newSubject,
  subjectInput,
  useSubjectName,
  type SubjectValues,
} from './CaseFields';
import { messages } from './messages';
import { CardTitle, Forbidden, PageTitle, ReadableErrors, useNamedListboxes } from './shared';

interface MeasureValues {
  subject: number;
  type?: string;
  startDate?: Dayjs;
  endDate?: Dayjs;
  lifetime?: boolean;
  domains?: string[];
  note?: string;
}

interface Values {
  status: 'DECIDED' | 'FINAL';
  decisionNumber: string;
  authority: string;
  decisionDate: Dayjs;
  misconductTypes: CaseCreateDto['misconductTypes'];
  severity: NonNullable<CaseCreateDto['severity']>;
  source: CaseCreateDto['source'];
  facts?: string;
  legalBasis?: string;
  subjects: SubjectValues[];
  measures?: MeasureValues[];
}

const SUBJECT_FIELDS = new Set(['kind', 'name', 'organisation', 'formerNames', 'aliases']);

/**
 * The form's field for an API field: `subjects.0.subject.identifiers.1.value` →
 * ['subjects', 0, 'identifiers', 1, 'value']; `measures.0.domains.2` → ['measures', 0, 'domains'].
 */
export function caseFieldOf(apiField: string): (string | number)[] | undefined {
  const parts = apiField.split('.');
  const [top, index, ...rest] = parts;
  const n = Number(index);
  if (top === 'subjects' && Number.isInteger(n)) {
    if (rest[0] === 'subjectId' || rest[0] === 'roles') return ['subjects', n, rest[0]];
    if (rest[0] === 'subject') {
      if (rest[1] === 'identifiers' && rest[2] !== undefined) {
        const m = Number(rest[2]);
        const leaf = rest[3] === 'type' || rest[3] === 'issuingCountry' ? rest[3] : 'value';
        return Number.isInteger(m) ? ['subjects', n, 'identifiers', m, leaf] : undefined;
      }
      if (rest[1] && SUBJECT_FIELDS.has(rest[1])) {
        return ['subjects', n, rest[1] === 'aliases' ? 'formerNames' : rest[1]];
      }
      return ['subjects', n, 'name'];
    }
    return undefined;
  }
  if (top === 'measures' && Number.isInteger(n)) {
    if (rest[0] === 'subjectRef') return ['measures', n, 'subject'];
    if (rest[0]) return ['measures', n, rest[0]];
    return ['measures', n, 'type'];
  }
  if (top === 'misconductTypes') return ['misconductTypes'];
  return top ? [top] : undefined;
}

function measureInput(v: MeasureValues): MeasureInputDto {
  return {
    subjectRef: `s${v.subject}`,
    type: v.type ?? '',
    ...(v.startDate ? { startDate: pickerDay(v.startDate) } : {}),
    ...(v.endDate && !v.lifetime ? { endDate: pickerDay(v.endDate) } : {}),
    ...(v.lifetime ? { lifetime: true } : {}),
    ...(v.domains?.length ? { domains: v.domains } : {}),
    ...(v.note?.trim() ? { note: v.note.trim() } : {}),
  };
}

export function CaseNewPage() {
  const { hasRole } = useAuth();
  const s = useSectionText(messages);
  if (!hasRole('RECORDER') && !hasRole('ADMIN')) {
    return <Forbidden title={s('forbiddenTitle')} text={s('recorderOnly')} />;
  }
  return (
    <ReadableErrors>
      <CaseForm />
    </ReadableErrors>
  );
}

function CaseForm() {
  const s = useSectionText(messages);
  const { t, lang } = useI18n();
  const code = useCodeLabel();
  const ruleSet = useRuleSet();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const subjects = Form.useWatch('subjects', form) ?? [];
  const measures = Form.useWatch('measures', form) ?? [];
  const types = ruleSet?.data.measureTypes ?? [];
  useNamedListboxes();

  const submit = async (v: Values) => {
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    const body: CaseCreateDto = {
      status: v.status,
      decisionNumber: v.decisionNumber.trim(),
      authority: v.authority.trim(),
      decisionDate: pickerDay(v.decisionDate),
      misconductTypes: v.misconductTypes,
      severity: v.severity,
      source: v.source,
      ...(v.facts?.trim() ? { facts: v.facts.trim() } : {}),
      ...(v.legalBasis?.trim() ? { legalBasis: v.legalBasis.trim() } : {}),
      subjects: v.subjects.map(subjectInput),
      measures: (v.measures ?? []).map(measureInput),
    };
    try {
      const created = await call(casesControllerCreateCase({ body }));
      void message.success(s('caseCreated'));
      void navigate(`/records/cases/${created.id}`);
    } catch (e) {
      setErrors(showFieldErrors(form, e, caseFieldOf));
    } finally {
      setBusy(false);
    }
  };

  const subjectName = useSubjectName(subjects);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{s('newCaseTitle')}</PageTitle>
      <Form<Values>
        form={form}
        name="case"
        layout="vertical"
        scrollToFirstError
        initialValues={{
          status: 'DECIDED',
          misconductTypes: [],
          subjects: [newSubject()],
          measures: [],
        }}
        onFinish={(v) => void submit(v)}
      >
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Card title={<CardTitle>{s('decision')}</CardTitle>}>
            <Row gutter={16}>
              <Col xs={24} md={8}>
                <Form.Item
                  name="decisionNumber"
                  label={t('decisionNumber')}
                  rules={[{ required: true, whitespace: true, message: s('decisionNumberRequired') }]}
                >
                  <Input data-testid="case-decision-number" maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={24} md={10}>
                <Form.Item
                  name="authority"
                  label={t('authority')}
                  rules={[{ required: true, whitespace: true, message: s('authorityRequired') }]}
                >
                  <Input data-testid="case-authority" maxLength={200} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item
                  name="decisionDate"
                  label={t('decisionDate')}
                  rules={[{ required: true, message: s('decisionDateRequired') }]}
                >
                  <DatePicker data-testid="case-decision-date" style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={24} md={8}>
                <Form.Item name="status" label={s('caseStatus')}>
                  <Radio.Group
                    data-testid="case-status"
                    options={(['DECIDED', 'FINAL'] as const).map((c) => ({
                      value: c,
                      label: code('caseStatus', c),
                    }))}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={8}>
                <Form.Item
                  name="severity"
                  label={s('severity')}
                  rules={[{ required: true, message: s('severityRequired') }]}
                >
                  <Select
                    data-testid="case-severity"
                    showSearch={{ optionFilterProp: 'label' }}
                    options={SEVERITIES.map((c) => ({ value: c, label: code('severity', c) }))}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={8}>
                <Form.Item
                  name="source"
                  label={s('source')}
                  rules={[{ required: true, message: s('sourceRequired') }]}
                >
                  <Select
                    data-testid="case-source"
                    showSearch={{ optionFilterProp: 'label' }}
                    options={SOURCES.map((c) => ({ value: c, label: code('source', c) }))}
                  />
                </Form.Item>
              </Col>
              <Col xs={24}>
                <MisconductTypesItem testId="case-misconduct" />
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="facts" label={s('facts')}>
                  <Input.TextArea data-testid="case-facts" rows={3} maxLength={10000} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="legalBasis" label={s('legalBasis')}>
                  <Input.TextArea data-testid="case-legal-basis" rows={3} maxLength={2000} />
                </Form.Item>
              </Col>
            </Row>
          </Card>

          <CaseSubjectsCard />

          <Card title={<CardTitle>{s('measures')}</CardTitle>}>
            <Form.List name="measures">
              {(fields, { add, remove }) => (
                <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
                  {fields.map((field) => {
                    const i = field.name;
                    const v = measures[i];
                    const type = types.find((x) => x.code === v?.type);
                    const timing = type?.timing ?? 'NONE';
                    const p = `case-measure-${i}`;
                    return (
                      <Card
                        key={field.key}
                        size="small"
                        type="inner"
                        data-testid={p}
                        title={<InnerTitle>{s('measureN', { n: i + 1 })}</InnerTitle>}
                        extra={
                          <Button
                            type="text"
                            danger
                            icon={<DeleteOutlined />}
                            aria-label={s('removeMeasure', { n: i + 1 })}
                            onClick={() => remove(i)}
                          />
                        }
                      >
                        <Row gutter={16}>
                          <Col xs={24} md={8}>
                            <Form.Item name={[i, 'subject']} label={s('measureSubject')}>
                              <Select
                                data-testid={`${p}-subject`}
                                options={subjects.map((_, k) => ({ value: k, label: subjectName(k) }))}
                              />
                            </Form.Item>
                          </Col>
                          <Col xs={24} md={16}>
                            <Form.Item
                              name={[i, 'type']}
                              label={s('measureType')}
                              rules={[{ required: true, message: s('measureTypeRequired') }]}
                              extra={type?.putsOnList === 'BLACK' ? s('putsOnList') : undefined}
                            >
                              <Select
                                data-testid={`${p}-type`}
                                loading={!ruleSet}
                                showSearch={{ optionFilterProp: 'label' }}
                                onChange={() =>
                                  form.setFieldValue(['measures', i], {
                                    ...form.getFieldValue(['measures', i]),
                                    startDate: undefined,
                                    endDate: undefined,
                                    lifetime: false,
                                    domains: [],
                                  })
                                }
                                options={types.map((m) => ({ value: m.code, label: m.label, title: m.code }))}
                              />
                            </Form.Item>
                          </Col>
                          {(timing === 'PERIOD' || timing === 'PERIOD_OR_LIFETIME') && (
                            <Col xs={24} md={8}>
                              <Form.Item name={[i, 'startDate']} label={s('startDate')}>
                                <DatePicker data-testid={`${p}-start`} style={{ width: '100%' }} />
                              </Form.Item>
                            </Col>
                          )}
                          {timing !== 'NONE' && !v?.lifetime && (
                            <Col xs={24} md={8}>
                              <Form.Item name={[i, 'endDate']} label={s('endDate')}>
                                <DatePicker data-testid={`${p}-end`} style={{ width: '100%' }} />
                              </Form.Item>
                            </Col>
                          )}
                          {timing === 'PERIOD_OR_LIFETIME' && (
                            <Col xs={24} md={8}>
                              <Form.Item name={[i, 'lifetime']} label={s('lifetime')} valuePropName="checked">
                                <Checkbox data-testid={`${p}-lifetime`}>{s('lifetime')}</Checkbox>
                              </Form.Item>
                            </Col>
                          )}
                          {type?.isBar && (
                            <Col xs={24}>
                              <Form.Item name={[i, 'domains']} label={s('domains')}>
                                <Select
                                  mode="multiple"
                                  data-testid={`${p}-domains`}
                                  showSearch={{ optionFilterProp: 'label' }}
                                  options={type.allowedDomains.map((d) => ({
                                    value: d,
                                    label: domainLabel(ruleSet?.data, d, lang),
                                  }))}
                                />
                              </Form.Item>
                            </Col>
                          )}
                          <Col xs={24}>
                            <Form.Item name={[i, 'note']} label={s('note')}>
                              <Input data-testid={`${p}-note`} maxLength={1000} />
                            </Form.Item>
                          </Col>
                        </Row>
                      </Card>
                    );
                  })}
                  <Button
                    type="dashed"
                    icon={<PlusOutlined />}
                    data-testid="case-add-measure"
                    onClick={() => add({ subject: 0, lifetime: false, domains: [] })}
                  >
                    {s('addMeasure')}
                  </Button>
                </Space>
              )}
            </Form.List>
          </Card>

          {errors.length > 0 && (
            <Alert
              type="error"
              showIcon
              role="alert"
              data-testid="case-error"
              title={s('caseFailed')}
              description={errors.map((e) => (
                <div key={e}>{e}</div>
              ))}
            />
          )}
          <Button type="primary" htmlType="submit" size="large" loading={busy} data-testid="case-submit">
            {s('submitCase')}
          </Button>
        </Space>
      </Form>
    </Space>
  );
}
