import { Alert, Button, Card, Col, Form, Input, Row, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { call, screeningControllerRunCheck, type ApplicantDto, type CheckResponseDto } from '../api/client';
import {
  CheckFields,
  checkParams,
  clearFieldErrors,
  showFieldErrors,
  type CheckFieldValues,
} from '../components/CheckFields';
import { CheckResultView } from '../components/CheckResultView';
import { ReceiptLookup } from '../components/ReceiptLookup';
import { useI18n } from '../i18n';
import { useRuleSet } from '../rules';
import { dayValue, todayInChina } from '../time';

type IdType = NonNullable<ApplicantDto['identifier']>['type'];

interface Values extends CheckFieldValues {
  applicant: {
    kind?: ApplicantDto['kind'];
    name: string;
    organisation?: string;
    idType: IdType;
    idValue?: string;
    issuingCountry?: string;
  };
}

const APPLICANT_FIELDS: Record<string, string> = {
  kind: 'kind',
  name: 'name',
  organisation: 'organisation',
  identifier: 'idValue',
  'identifier.value': 'idValue',
  'identifier.type': 'idType',
  'identifier.issuingCountry': 'issuingCountry',
};

/** `applicants.0.identifier.value` → ['applicant', 'idValue']; `purpose` → ['purpose']. */
function fieldOf(apiField: string): string[] | undefined {
  const applicant = /^applicants\.0(?:\.(.+))?$/.exec(apiField);
  if (applicant)
    return applicant[1] && APPLICANT_FIELDS[applicant[1]]
      ? ['applicant', APPLICANT_FIELDS[applicant[1]]]
      : undefined;
  return apiField ? [apiField] : undefined;
}

export function CheckNewPage() {
  const { t, label } = useI18n();
  const ruleSet = useRuleSet();
  const [form] = Form.useForm<Values>();
  const [result, setResult] = useState<CheckResponseDto>();
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const idType = Form.useWatch(['applicant', 'idType'], form);
  const needsCountry = idType === 'PASSPORT' || idType === 'OTHER';

  useEffect(() => {
    const first = ruleSet?.data.reviewDomains[0]?.code;
    if (first && !form.getFieldValue('domain')) form.setFieldValue('domain', first);
  }, [ruleSet, form]);

  const submit = async (values: Values) => {
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    setResult(undefined);
    const a = values.applicant;
    const applicant: ApplicantDto = {
      name: a.name.trim(),
      ...(a.kind ? { kind: a.kind } : {}),
      ...(a.organisation?.trim() ? { organisation: a.organisation.trim() } : {}),
      ...(a.idValue?.trim()
        ? {
            identifier: {
              type: a.idType,
              value: a.idValue.trim(),
              ...(needsCountry && a.issuingCountry?.trim()
                ? { issuingCountry: a.issuingCountry.trim().toUpperCase() }
                : {}),
            },
          }
        : {}),
    };
    try {
      setResult(
        await call(
          screeningControllerRunCheck({ body: { ...checkParams(values), applicants: [applicant] } }),
        ),
      );
    } catch (e) {
      setErrors(showFieldErrors(form, e, fieldOf));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {t('checkNewTitle')}
      </Typography.Title>
      <Card className="no-print" size="small">
        <ReceiptLookup />
      </Card>
      <Form<Values>
        form={form}
        name="check"
        layout="vertical"
        className="no-print"
        initialValues={{ asOf: dayValue(todayInChina()), applicant: { idType: 'RESIDENT_ID' } }}
        onFinish={(v) => void submit(v)}
      >
        <Row gutter={24}>
          <Col xs={24} lg={12}>
            <Card
              title={
                <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
                  {t('checkParams')}
                </Typography.Title>
              }
            >
              <CheckFields ruleSet={ruleSet} testIdPrefix="check" />
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card
              title={
                <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
                  {t('applicant')}
                </Typography.Title>
              }
            >
              <Form.Item name={['applicant', 'kind']} label={t('kind')}>
                <Select
                  allowClear
                  data-testid="check-kind"
                  options={['NATURAL_PERSON', 'LEGAL_PERSON', 'UNINCORPORATED_ORG'].map((k) => ({
                    value: k,
                    label: label('kind', k),
                  }))}
                />
              </Form.Item>
              <Form.Item
                name={['applicant', 'name']}
                label={t('name')}
                rules={[{ required: true, whitespace: true, message: t('nameRequired') }]}
              >
                <Input data-testid="check-name" maxLength={200} />
              </Form.Item>
              <Form.Item name={['applicant', 'organisation']} label={t('organisation')}>
                <Input data-testid="check-organisation" maxLength={200} />
              </Form.Item>
              <Form.Item name={['applicant', 'idType']} label={t('idType')}>
                <Select
                  data-testid="check-id-type"
                  options={['RESIDENT_ID', 'USCC', 'PASSPORT', 'OTHER'].map((k) => ({
                    value: k,
                    label: label('idType', k),
                  }))}
                />
              </Form.Item>
              <Form.Item name={['applicant', 'idValue']} label={t('idValue')}>
                <Input data-testid="check-id-value" maxLength={64} autoComplete="off" />
              </Form.Item>
              {needsCountry && (
                <Form.Item
                  name={['applicant', 'issuingCountry']}
                  label={t('issuingCountry')}
                  rules={[{ required: true, whitespace: true, message: t('countryRequired') }]}
                >
                  <Input data-testid="check-id-country" maxLength={2} style={{ width: 120 }} />
                </Form.Item>
              )}
            </Card>
          </Col>
        </Row>
        {errors.length > 0 && (
          <Alert
            type="error"
            showIcon
            role="alert"
            data-testid="check-error"
            title={t('checkFailed')}
            description={errors.map((e) => (
              <div key={e}>{e}</div>
            ))}
            style={{ marginTop: 16 }}
          />
        )}
        <Button
          type="primary"
          htmlType="submit"
          size="large"
          loading={busy}
          data-testid="check-submit"
          style={{ marginTop: 16 }}
        >
          {t('submitCheck')}
        </Button>
      </Form>
      {result && <CheckResultView check={result} rules={ruleSet?.data} title={t('result')} />}
    </Space>
  );
}
