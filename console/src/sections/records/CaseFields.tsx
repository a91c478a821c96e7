import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Col, Form, Input, Radio, Row, Select, Space, Typography } from 'antd';
import { useRef, useState } from 'react';
import {
  call,
  subjectsControllerSearchSubjects,
  type CaseSubjectInputDto,
  type IdentifierInputDto,
  type SubjectCreateDto,
  type SubjectSearchResultDto,
} from '../../api/client';
import { useI18n } from '../../i18n';
import { useSectionText } from '../types';
import { CASE_ROLES, MISCONDUCT_TYPES, text, useCodeLabel } from './codes';
import { messages } from './messages';
import { CardTitle } from './shared';

/**
 * Fields of a case being recorded that the decision form and an inspection's finding (which opens a
 * case) share: the misconduct types, and the subjects as a form list named `subjects`, each a new
 * subject (kind, name, organisation, former names, identifiers) or a recorded one found by name,
 * with its roles.
 */

type Kind = SubjectCreateDto['kind'];

export interface SubjectValues {
  source: 'new' | 'existing';
  subjectId?: string;
  kind: Kind;
  name?: string;
  organisation?: string;
  formerNames?: string[];
  identifiers?: { type: IdentifierInputDto['type']; value?: string; issuingCountry?: string }[];
  roles: CaseSubjectInputDto['roles'];
}

/** A new natural person with a resident ID to fill in: the list's first and added entries. */
export const newSubject = (): SubjectValues => ({
  source: 'new',
  kind: 'NATURAL_PERSON',
  identifiers: [{ type: 'RESIDENT_ID' }],
  roles: [],
});

/** A subject of the form as the API takes it, `s<i>` its reference. */
export function subjectInput(v: SubjectValues, i: number): CaseSubjectInputDto {
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

/** The case's misconduct types, at least one, searchable by label. */
export function MisconductTypesItem({ testId }: { testId: string }) {
  const s = useSectionText(messages);
  const code = useCodeLabel();
  return (
    <Form.Item
      name="misconductTypes"
      label={s('misconductTypes')}
      rules={[{ required: true, type: 'array', min: 1, message: s('misconductRequired') }]}
    >
      <Select
        mode="multiple"
        data-testid={testId}
        showSearch={{ optionFilterProp: 'label' }}
        options={MISCONDUCT_TYPES.map((c) => ({ value: c, label: code('misconduct', c) }))}
      />
    </Form.Item>
  );
}

/** The title of a card inside a card of the case form (a subject, a measure). */
export function InnerTitle({ children }: { children: string }) {
  return (
    <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}

/** A subject's title in the form: its number, and its name once given. */
export function useSubjectName(subjects: SubjectValues[]): (i: number) => string {
  const s = useSectionText(messages);
  return (i: number) => {
    const v = subjects[i];
    const name = v?.source === 'new' ? v.name?.trim() : undefined;
    return name ? `${s('subjectN', { n: i + 1 })}：${name}` : s('subjectN', { n: i + 1 });
  };
}

/** The subjects card; its test ids start with `testId` (`case-subject-0-name`…). */
export function CaseSubjectsCard({ testId = 'case' }: { testId?: string }) {
  const s = useSectionText(messages);
  const { t, label } = useI18n();
  const code = useCodeLabel();
  const form = Form.useFormInstance();
  const subjects = (Form.useWatch('subjects', form) as SubjectValues[] | undefined) ?? [];
  const subjectName = useSubjectName(subjects);
  return (
    <Card title={<CardTitle>{s('subjects')}</CardTitle>}>
      <Form.List name="subjects">
        {(fields, { add, remove }) => (
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            {fields.map((field) => {
              const i = field.name;
              const v = subjects[i];
              const p = `${testId}-subject-${i}`;
              return (
                <Card
                  key={field.key}
                  size="small"
                  type="inner"
                  title={<InnerTitle>{subjectName(i)}</InnerTitle>}
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
                            options={['NATURAL_PERSON', 'LEGAL_PERSON', 'UNINCORPORATED_ORG'].map((k) => ({
                              value: k,
                              label: label('kind', k),
                            }))}
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
                                          options={['RESIDENT_ID', 'USCC', 'PASSPORT', 'OTHER'].map((k) => ({
                                            value: k,
                                            label: label('idType', k),
                                          }))}
                                        />
                                      </Form.Item>
                                    </Col>
                                    <Col xs={24} md={needsCountry ? 9 : 14}>
                                      <Form.Item
                                        name={[j, 'value']}
                                        label={`${s('identifierN', { n: j + 1 })}：${t('idValue')}`}
                                      >
                                        <Input data-testid={`${q}-value`} maxLength={64} autoComplete="off" />
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
                                          block
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
              data-testid={`${testId}-add-subject`}
              onClick={() => add(newSubject())}
            >
              {s('addSubject')}
            </Button>
          </Space>
        )}
      </Form.List>
    </Card>
  );
}
