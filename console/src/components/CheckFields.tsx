import { Collapse, DatePicker, Form, Input, InputNumber, Select } from 'antd';
import type { FormInstance } from 'antd';
import type { Dayjs } from 'dayjs';
import type { RuleSetResponseDto } from '../api/client';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';
import { domainLabel } from '../rules';
import { pickerDay, pickerInstantInChina } from '../time';

/** The fields a check and a check job share. */
export interface CheckFieldValues {
  domain: string;
  purpose: string;
  reference?: string;
  asOf?: Dayjs;
  knownAt?: Dayjs;
  lookbackYears?: number | null;
}

/** The request's own fields from the form's: dates as the API wants them, empty ones left out. */
export function checkParams(values: CheckFieldValues) {
  return {
    domain: values.domain,
    purpose: values.purpose.trim(),
    ...(values.reference?.trim() ? { reference: values.reference.trim() } : {}),
    ...(values.asOf ? { asOf: pickerDay(values.asOf) } : {}),
    ...(values.knownAt ? { knownAt: pickerInstantInChina(values.knownAt) } : {}),
    ...(typeof values.lookbackYears === 'number' ? { lookbackYears: values.lookbackYears } : {}),
  };
}

/**
 * Shows the API's field errors beside the fields: `fieldOf` turns an API field (`purpose`,
 * `applicants.0.identifier.value`) into the form's field name. Answers the errors no field shows.
 */
export function showFieldErrors(
  form: FormInstance,
  error: unknown,
  fieldOf: (apiField: string) => (string | number)[] | undefined,
): string[] {
  if (!(error instanceof ApiError)) return [String(error)];
  const unplaced: string[] = [];
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  for (const detail of error.details) {
    const name = fieldOf(detail.field);
    if (!name || !form.getFieldInstance(name)) {
      unplaced.push(`${detail.field ? `${detail.field}: ` : ''}${detail.message}`);
      continue;
    }
    const key = name.join('.');
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(detail.message);
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  return error.details.length === 0 || unplaced.length ? [error.message, ...unplaced] : [];
}

/** Takes away the errors the API put beside the fields, before the form is sent again. */
export function clearFieldErrors(form: FormInstance): void {
  form.setFields(
    form
      .getFieldsError()
      .filter((f) => f.errors.length)
      .map((f) => ({ name: f.name, errors: [] })),
  );
}

/** Domain, purpose, reference, asOf, lookback and (advanced) knownAt. */
export function CheckFields({
  ruleSet,
  testIdPrefix,
}: {
  ruleSet?: RuleSetResponseDto;
  testIdPrefix: string;
}) {
  const { t, lang } = useI18n();
  const id = (name: string) => `${testIdPrefix}-${name}`;
  return (
    <>
      <Form.Item name="domain" label={t('domain')} rules={[{ required: true }]}>
        <Select
          data-testid={id('domain')}
          loading={!ruleSet}
          options={ruleSet?.data.reviewDomains.map((d) => ({
            value: d.code,
            label: domainLabel(ruleSet.data, d.code, lang),
            title: d.description,
          }))}
        />
      </Form.Item>
      <Form.Item
        name="purpose"
        label={t('purpose')}
        extra={t('purposeHelp')}
        rules={[{ required: true, whitespace: true, message: t('purposeRequired') }]}
      >
        <Input data-testid={id('purpose')} maxLength={500} />
      </Form.Item>
      <Form.Item name="reference" label={t('reference')}>
        <Input data-testid={id('reference')} maxLength={100} />
      </Form.Item>
      <Form.Item name="asOf" label={t('asOf')} extra={t('asOfHelp')}>
        <DatePicker data-testid={id('as-of')} allowClear={false} />
      </Form.Item>
      <Form.Item name="lookbackYears" label={t('lookbackYears')}>
        <InputNumber data-testid={id('lookback')} min={0} max={10} precision={0} />
      </Form.Item>
      <Collapse
        size="small"
        style={{ marginBottom: 24 }}
        items={[
          {
            key: 'advanced',
            label: t('advanced'),
            forceRender: true,
            children: (
              <Form.Item
                name="knownAt"
                label={t('knownAt')}
                extra={t('knownAtHelp')}
                style={{ marginBottom: 0 }}
              >
                <DatePicker showTime data-testid={id('known-at')} />
              </Form.Item>
            ),
          },
        ]}
      />
    </>
  );
}
