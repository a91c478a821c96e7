import { Alert, Button, Card, Col, Form, Input, Radio, Row, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import {
  call,
  subjectsControllerSearchSubjects,
  type SubjectPageDto,
  type SubjectSearchDto,
  type SubjectSearchResultDto,
} from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useI18n } from '../../i18n';
import { useSectionText } from '../types';
import { text } from './codes';
import { messages } from './messages';
import { Identifiers, PageTitle, ReadableErrors } from './shared';

type IdType = NonNullable<SubjectSearchDto['identifier']>['type'];

interface Values {
  mode: 'name' | 'identifier';
  name?: string;
  organisation?: string;
  kind?: SubjectSearchDto['kind'];
  idType: IdType;
  idValue?: string;
  issuingCountry?: string;
}

const API_FIELDS: Record<string, string> = {
  name: 'name',
  organisation: 'organisation',
  kind: 'kind',
  identifier: 'idValue',
  'identifier.value': 'idValue',
  'identifier.type': 'idType',
  'identifier.issuingCountry': 'issuingCountry',
};

const PAGE_SIZE = 20;

export function SubjectSearchPage() {
  return (
    <ReadableErrors>
      <SubjectSearch />
    </ReadableErrors>
  );
}

function SubjectSearch() {
  const s = useSectionText(messages);
  const { t, label } = useI18n();
  const [form] = Form.useForm<Values>();
  const mode = Form.useWatch('mode', form);
  const idType = Form.useWatch('idType', form);
  const needsCountry = idType === 'PASSPORT' || idType === 'OTHER';
  const [result, setResult] = useState<SubjectPageDto>();
  const [query, setQuery] = useState<SubjectSearchDto>();
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const run = async (body: SubjectSearchDto) => {
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    try {
      setResult(await call(subjectsControllerSearchSubjects({ body })));
      setQuery(body);
    } catch (e) {
      setErrors(showFieldErrors(form, e, (f) => (API_FIELDS[f] ? [API_FIELDS[f]] : undefined)));
    } finally {
      setBusy(false);
    }
  };

  const submit = (v: Values) => {
    const body: SubjectSearchDto =
      v.mode === 'identifier'
        ? {
            identifier: {
              type: v.idType,
              value: (v.idValue ?? '').trim(),
              ...(needsCountry && v.issuingCountry?.trim()
                ? { issuingCountry: v.issuingCountry.trim().toUpperCase() }
                : {}),
            },
          }
        : {
            ...(v.name?.trim() ? { name: v.name.trim() } : {}),
            ...(v.organisation?.trim() ? { organisation: v.organisation.trim() } : {}),
            ...(v.kind ? { kind: v.kind } : {}),
          };
    void run({ ...body, page: 1, pageSize: PAGE_SIZE });
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{s('searchTitle')}</PageTitle>
      <Card>
        <Form<Values>
          form={form}
          name="subject-search"
          layout="vertical"
          initialValues={{ mode: 'name', idType: 'RESIDENT_ID' }}
          onFinish={submit}
        >
          <Form.Item name="mode" label={s('searchBy')}>
            <Radio.Group
              optionType="button"
              data-testid="search-mode"
              options={[
                { value: 'name', label: s('byName') },
                { value: 'identifier', label: s('byIdentifier') },
              ]}
            />
          </Form.Item>
          {mode !== 'identifier' ? (
            <Row gutter={16}>
              <Col xs={24} md={10}>
                <Form.Item
                  name="name"
                  label={s('searchName')}
                  dependencies={['organisation']}
                  rules={[
                    ({ getFieldValue }) => ({
                      validator: (_, value?: string) =>
                        value?.trim() || (getFieldValue('organisation') as string | undefined)?.trim()
                          ? Promise.resolve()
                          : Promise.reject(new Error(s('searchNeedsCriterion'))),
                    }),
                  ]}
                >
                  <Input data-testid="search-name" maxLength={200} />
                </Form.Item>
              </Col>
              <Col xs={24} md={8}>
                <Form.Item name="organisation" label={s('searchOrganisation')}>
                  <Input data-testid="search-organisation" maxLength={200} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="kind" label={s('searchKind')}>
                  <Select
                    allowClear
                    data-testid="search-kind"
                    options={['NATURAL_PERSON', 'LEGAL_PERSON', 'UNINCORPORATED_ORG'].map((k) => ({
                      value: k,
                      label: label('kind', k),
                    }))}
                  />
                </Form.Item>
              </Col>
            </Row>
          ) : (
            <Row gutter={16}>
              <Col xs={24} md={8}>
                <Form.Item name="idType" label={t('idType')}>
                  <Select
                    data-testid="search-id-type"
                    options={['RESIDENT_ID', 'USCC', 'PASSPORT', 'OTHER'].map((k) => ({
                      value: k,
                      label: label('idType', k),
                    }))}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={10}>
                <Form.Item
                  name="idValue"
                  label={t('idValue')}
                  rules={[{ required: true, whitespace: true, message: s('idValueRequired') }]}
                >
                  <Input data-testid="search-id-value" maxLength={64} autoComplete="off" />
                </Form.Item>
              </Col>
              {needsCountry && (
                <Col xs={24} md={6}>
                  <Form.Item
                    name="issuingCountry"
                    label={t('issuingCountry')}
                    rules={[{ required: true, whitespace: true, message: t('countryRequired') }]}
                  >
                    <Input data-testid="search-id-country" maxLength={2} />
                  </Form.Item>
                </Col>
              )}
            </Row>
          )}
          {errors.length > 0 && (
            <Alert
              type="error"
              showIcon
              role="alert"
              data-testid="search-error"
              title={s('searchFailed')}
              description={errors.map((e) => (
                <div key={e}>{e}</div>
              ))}
              style={{ marginBottom: 16 }}
            />
          )}
          <Button type="primary" htmlType="submit" loading={busy} data-testid="search-submit">
            {s('search')}
          </Button>
        </Form>
      </Card>
      {result && (
        <Card
          title={
            <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
              {s('results', { n: result.total })}
            </Typography.Title>
          }
        >
          <Table<SubjectSearchResultDto>
            rowKey="id"
            data-testid="search-results"
            dataSource={result.items}
            locale={{ emptyText: s('noResults') }}
            pagination={{
              current: result.page,
              pageSize: result.pageSize,
              total: result.total,
              showSizeChanger: false,
              onChange: (page) => query && void run({ ...query, page }),
            }}
            columns={[
              {
                title: t('name'),
                dataIndex: 'name',
                render: (name: string, r) => (
                  <Space orientation="vertical" size={0}>
                    <Link to={`/records/subjects/${r.id}`} data-testid="search-result-link">
                      {name}
                    </Link>
                    {r.formerNames.length + r.aliases.length > 0 && (
                      <Typography.Text type="secondary">
                        {[...r.formerNames, ...r.aliases].join('、')}
                      </Typography.Text>
                    )}
                  </Space>
                ),
              },
              { title: t('kind'), dataIndex: 'kind', render: (k: string) => label('kind', k) },
              {
                title: t('organisation'),
                dataIndex: 'organisation',
                render: (o: unknown) => text(o) || '—',
              },
              {
                title: s('identifiers'),
                dataIndex: 'identifiers',
                render: (_: unknown, r) => <Identifiers identifiers={r.identifiers} />,
              },
              {
                title: s('score'),
                dataIndex: 'score',
                align: 'right',
                render: (score: number) => score.toFixed(2),
              },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}
