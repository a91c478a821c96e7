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
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import {
  call,
  casesControllerCreateCase,
  subjectsControllerSearchSubjects,
  type CaseCreateDto,
  type CaseSubjectInputDto,
  type IdentifierInputDto,
  type MeasureInputDto,
  type SubjectCreateDto,
  type SubjectSearchResultDto,
} from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { domainLabel, useRuleSet } from '../../rules';
import { pickerDay } from '../../time';
import { useSectionText } from '../types';
import { CASE_ROLES, MISCONDUCT_TYPES, SEVERITIES, SOURCES, text, useCodeLabel } from './codes';
import { messages } from './messages';
import { CardTitle, Forbidden, PageTitle, ReadableErrors, useNamedListboxes } from './shared';

type Kind = SubjectCreateDto['kind'];

interface SubjectValues {
  source: 'new' | 'existing';
  subjectId?: string;
  kind: Kind;
  name?: string;
  organisation?: string;
  formerNames?: string[];
  identifiers?: { type: IdentifierInputDto['type']; value?: string; issuingCountry?: string }[];
  roles: CaseSubjectInputDto['roles'];
}

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

function subjectInput(v: SubjectValues, i: number): CaseSubjectInputDto {
  const ref = `s${i}`;
  if (v.source === 'existing') return { ref, subjectId: v.subjectId, roles: v.roles };
  const identifiers = (v.identifiers ?? [])
    .filter((x) => x.value?.trim())
    .map((x) => ({
      type: x.type,
      value: (x.value ?? '').trim(),
      ...((x.type === 'PASSPORT' || x.type === 'OTHER') && x.issuingCountry?.trim()
        ? { issuingCountry: x.issuingCountry.trim().toUpperCase() }
        : {}),
    }));
  const formerNames = (v.formerNames ?? []).map((x) => x.trim()).filter(Boolean);
  return {
    ref,
    roles: v.roles,
    subject: {
      kind: v.kind,
      name: (v.name ?? '').trim(),
      ...(v.organisation?.trim() ? { organisation: v.organisation.trim() } : {}),
      ...(formerNames.length ? { formerNames } : {}),
      ...(identifiers.length ? { identifiers } : {}),
    },
  };
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

/** A select that finds recorded subjects by name through the subject search. */
function ExistingSubjectSelect(props: {
  id?: string;
  value?: string;
  onChange?: (value: string) => void;
  'data-testid'?: string;
}) {
  const s = useSectionText(messages);
  const { label } = useI18n();
  const [options, setOptions] = useState<SubjectSearchResultDto[]>([]);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);
  const search = (name: string) => {
    if (!/[\p{L}\p{N}]/u.test(name)) return;
    const mine = ++latest.current;
    setLoading(true);
    call(subjectsControllerSearchSubjects({ body: { name, pageSize: 10 } }))
      .then((page) => mine === latest.current && setOptions(page.items))
      .catch(() => mine === latest.current && setOptions([]))
      .finally(() => mine === latest.current && setLoading(false));
  };
  return (
    <Select
      {...props}
      showSearch={{ filterOption: false, onSearch: search }}
      loading={loading}
      placeholder={s('findSubject')}
      options={options.map((o) => ({
        value: o.id,
        label: [
          o.name,
          text(o.organisation) && `（${text(o.organisation)}）`,
          ` ${label('kind', o.kind)}`,
          o.identifiers[0] ? ` ${o.identifiers[0].masked}` : '',
        ].join(''),
      }))}
    />
  );
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
  const { t, label, lang } = useI18n();
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

  const subjectName = (i: number) => {
    const v = subjects[i];
    const name = v?.source === 'new' ? v.name?.trim() : undefined;
    return name ? `${s('subjectN', { n: i + 1 })}：${name}` : s('subjectN', { n: i + 1 });
  };

  const title = (level: 3, content: string) => (
    <Typography.Title level={level} style={{ fontSize: 15, margin: 0 }}>
      {content}
    </Typography.Title>
  );

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
          subjects: [
            { source: 'new', kind: 'NATURAL_PERSON', identifiers: [{ type: 'RESIDENT_ID' }], roles: [] },
          ],
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
                <Form.Item
                  name="misconductTypes"
                  label={s('misconductTypes')}
                  rules={[{ required: true, type: 'array', min: 1, message: s('misconductRequired') }]}
                >
                  <Select
                    mode="multiple"
                    data-testid="case-misconduct"
                    showSearch={{ optionFilterProp: 'label' }}
                    options={MISCONDUCT_TYPES.map((c) => ({ value: c, label: code('misconduct', c) }))}
                  />
                </Form.Item>
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

          <Card title={<CardTitle>{s('subjects')}</CardTitle>}>
            <Form.List name="subjects">
              {(fields, { add, remove }) => (
                <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
                  {fields.map((field) => {
                    const i = field.name;
                    const v = subjects[i];
                    const p = `case-subject-${i}`;
                    return (
                      <Card
                        key={field.key}
                        size="small"
                        type="inner"
                        title={title(3, subjectName(i))}
                        data-testid={p}
                        extra={
                          fields.length > 1 && (
                            <Button
                              type="text"
                              danger
                              icon={<DeleteOutlined />}
                              aria-label={s('removeSubject', { n: i + 1 })}
                              onClick={() => remove(i)}
                            />
                          )
                        }
                      >
                        <Form.Item name={[i, 'source']} label={s('subjectSource')}>
                          <Radio.Group
                            optionType="button"
                            data-testid={`${p}-source`}
                            options={[
                              { value: 'new', label: s('newSubject') },
                              { value: 'existing', label: s('existingSubject') },
                            ]}
                          />
                        </Form.Item>
                        {v?.source === 'existing' ? (
                          <Form.Item
                            name={[i, 'subjectId']}
                            label={s('existingSubject')}
                            rules={[{ required: true, message: s('subjectRequired') }]}
                          >
                            <ExistingSubjectSelect data-testid={`${p}-existing`} />
                          </Form.Item>
                        ) : (
                          <Row gutter={16}>
                            <Col xs={24} md={6}>
                              <Form.Item name={[i, 'kind']} label={t('kind')}>
                                <Select
                                  data-testid={`${p}-kind`}
                                  options={['NATURAL_PERSON', 'LEGAL_PERSON', 'UNINCORPORATED_ORG'].map(
                                    (k) => ({ value: k, label: label('kind', k) }),
                                  )}
                                />
                              </Form.Item>
                            </Col>
                            <Col xs={24} md={9}>
                              <Form.Item
                                name={[i, 'name']}
                                label={t('name')}
                                rules={[{ required: true, whitespace: true, message: t('nameRequired') }]}
                              >
                                <Input data-testid={`${p}-name`} maxLength={200} />
                              </Form.Item>
                            </Col>
                            <Col xs={24} md={9}>
                              <Form.Item name={[i, 'organisation']} label={t('organisation')}>
                                <Input data-testid={`${p}-organisation`} maxLength={200} />
                              </Form.Item>
                            </Col>
                            <Col xs={24}>
                              <Form.Item name={[i, 'formerNames']} label={`${s('formerNames')}`}>
                                <Select
                                  mode="tags"
                                  open={false}
                                  suffixIcon={null}
                                  data-testid={`${p}-former-names`}
                                  tokenSeparators={[',', '，', '、']}
                                />
                              </Form.Item>
                            </Col>
                            <Col xs={24}>
                              <Form.List name={[i, 'identifiers']}>
                                {(idFields, ids) => (
                                  <>
                                    {idFields.map((idField) => {
                                      const j = idField.name;
                                      const type = v?.identifiers?.[j]?.type;
                                      const needsCountry = type === 'PASSPORT' || type === 'OTHER';
                                      const q = `${p}-id-${j}`;
                                      return (
                                        <Row gutter={16} key={idField.key} align="top">
                                          <Col xs={24} md={6}>
                                            <Form.Item
                                              name={[j, 'type']}
                                              label={`${s('identifierN', { n: j + 1 })}：${t('idType')}`}
                                            >
                                              <Select
                                                data-testid={`${q}-type`}
                                                options={['RESIDENT_ID', 'USCC', 'PASSPORT', 'OTHER'].map(
                                                  (k) => ({ value: k, label: label('idType', k) }),
                                                )}
                                              />
                                            </Form.Item>
                                          </Col>
                                          <Col xs={24} md={needsCountry ? 9 : 14}>
                                            <Form.Item
                                              name={[j, 'value']}
                                              label={`${s('identifierN', { n: j + 1 })}：${t('idValue')}`}
                                            >
                                              <Input
                                                data-testid={`${q}-value`}
                                                maxLength={64}
                                                autoComplete="off"
                                              />
                                            </Form.Item>
                                          </Col>
                                          {needsCountry && (
                                            <Col xs={24} md={5}>
                                              <Form.Item
                                                name={[j, 'issuingCountry']}
                                                label={t('issuingCountry')}
                                                rules={[
                                                  {
                                                    required: true,
                                                    whitespace: true,
                                                    message: t('countryRequired'),
                                                  },
                                                ]}
                                              >
                                                <Input data-testid={`${q}-country`} maxLength={2} />
                                              </Form.Item>
                                            </Col>
                                          )}
                                          <Col xs={24} md={4}>
                                            <Form.Item label={<span aria-hidden>&nbsp;</span>}>
                                              <Button
                                                icon={<DeleteOutlined />}
                                                onClick={() => ids.remove(j)}
                                                aria-label={`${s('removeIdentifier')} ${j + 1}`}
                                              >
                                                {s('removeIdentifier')}
                                              </Button>
                                            </Form.Item>
                                          </Col>
                                        </Row>
                                      );
                                    })}
                                    <Button
                                      type="dashed"
                                      icon={<PlusOutlined />}
                                      onClick={() => ids.add({ type: 'RESIDENT_ID' })}
                                      data-testid={`${p}-add-identifier`}
                                      style={{ marginBottom: 24 }}
                                    >
                                      {s('addIdentifier')}
                                    </Button>
                                  </>
                                )}
                              </Form.List>
                            </Col>
                          </Row>
                        )}
                        <Form.Item
                          name={[i, 'roles']}
                          label={s('subjectRoles')}
                          rules={[{ required: true, type: 'array', min: 1, message: s('rolesRequired') }]}
                        >
                          <Select
                            mode="multiple"
                            data-testid={`${p}-roles`}
                            showSearch={{ optionFilterProp: 'label' }}
                            options={CASE_ROLES.map((c) => ({ value: c, label: code('caseRole', c) }))}
                          />
                        </Form.Item>
                      </Card>
                    );
                  })}
                  <Button
                    type="dashed"
                    icon={<PlusOutlined />}
                    data-testid="case-add-subject"
                    onClick={() =>
                      add({
                        source: 'new',
                        kind: 'NATURAL_PERSON',
                        identifiers: [{ type: 'RESIDENT_ID' }],
                        roles: [],
                      })
                    }
                  >
                    {s('addSubject')}
                  </Button>
                </Space>
              )}
            </Form.List>
          </Card>

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
                        title={title(3, s('measureN', { n: i + 1 }))}
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
