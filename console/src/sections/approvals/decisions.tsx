// The decisions on an entry that take a reason: reject, revoke, correct dates, resolve an objection,
// decide a repair request. Each is a modal sending one API call; `onDone` gets the entry as it now is.
import { DatePicker, Form, Input, Radio, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import {
  call,
  listingsControllerCorrectListing,
  listingsControllerDecideRepair,
  listingsControllerRejectListing,
  listingsControllerResolveObjection,
  listingsControllerRevokeListing,
  type ListingCorrectionDto,
  type ListingDetailsDto,
} from '../../api/client';
import { dayValue, pickerDay, todayInChina } from '../../time';
import { ActionModal, useText } from './common';

interface Props {
  open: boolean;
  listingId: string;
  version: number;
  onCancel(): void;
  onDone(listing: ListingDetailsDto): void;
}

function ReasonField({ testId, required = true }: { testId: string; required?: boolean }) {
  const text = useText();
  return (
    <Form.Item
      name="reason"
      label={text('reason')}
      rules={required ? [{ required: true, whitespace: true, message: text('reasonRequired') }] : []}
    >
      <Input.TextArea rows={3} maxLength={2000} data-testid={`${testId}-reason`} />
    </Form.Item>
  );
}

function EffectiveDateField({ testId }: { testId: string }) {
  const text = useText();
  return (
    <Form.Item
      name="effectiveDate"
      label={text('effectiveDate')}
      extra={text('effectiveDateHint')}
      rules={[{ required: true }]}
    >
      <DatePicker data-testid={`${testId}-date`} />
    </Form.Item>
  );
}

const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

export function RejectModal({ open, listingId, version, onCancel, onDone }: Props) {
  const text = useText();
  return (
    <ActionModal<{ reason: string }>
      open={open}
      title={text('rejectTitle')}
      testId="reject"
      okText={text('reject')}
      danger
      onCancel={onCancel}
      onSubmit={async ({ reason }) =>
        onDone(
          await call(
            listingsControllerRejectListing({
              path: { id: listingId },
              headers: ifMatch(version),
              body: { reason: reason.trim() },
            }),
          ),
        )
      }
    >
      <ReasonField testId="reject" />
    </ActionModal>
  );
}

export function RevokeModal({ open, listingId, version, onCancel, onDone }: Props) {
  const text = useText();
  return (
    <ActionModal<{ reason: string; effectiveDate: Dayjs }>
      open={open}
      title={text('revokeTitle')}
      testId="revoke"
      okText={text('revoke')}
      danger
      initialValues={{ effectiveDate: dayValue(todayInChina()) }}
      onCancel={onCancel}
      onSubmit={async ({ reason, effectiveDate }) =>
        onDone(
          await call(
            listingsControllerRevokeListing({
              path: { id: listingId },
              headers: ifMatch(version),
              body: { reason: reason.trim(), effectiveDate: pickerDay(effectiveDate) },
            }),
          ),
        )
      }
    >
      <EffectiveDateField testId="revoke" />
      <ReasonField testId="revoke" />
    </ActionModal>
  );
}

interface CorrectValues {
  reason: string;
  effectiveFrom?: Dayjs | null;
  effectiveTo?: Dayjs | null;
  terminatedFrom?: Dayjs | null;
}

export function CorrectModal({ open, listingId, version, onCancel, onDone }: Props) {
  const text = useText();
  return (
    <ActionModal<CorrectValues>
      open={open}
      title={text('correctTitle')}
      testId="correct"
      okText={text('correct')}
      onCancel={onCancel}
      onSubmit={async (v, form) => {
        const body: ListingCorrectionDto = { reason: v.reason.trim() };
        if (v.effectiveFrom) body.effectiveFrom = pickerDay(v.effectiveFrom);
        if (v.effectiveTo) body.effectiveTo = pickerDay(v.effectiveTo) as unknown as Record<string, unknown>;
        if (v.terminatedFrom) body.terminatedFrom = pickerDay(v.terminatedFrom);
        if (Object.keys(body).length === 1) {
          form.setFields([{ name: 'effectiveFrom', errors: [text('oneDateRequired')] }]);
          return;
        }
        onDone(
          await call(
            listingsControllerCorrectListing({ path: { id: listingId }, headers: ifMatch(version), body }),
          ),
        );
      }}
    >
      <Typography.Paragraph type="secondary">{text('correctHint')}</Typography.Paragraph>
      <Form.Item name="effectiveFrom" label={text('effectiveFrom')}>
        <DatePicker data-testid="correct-from" />
      </Form.Item>
      <Form.Item name="effectiveTo" label={text('effectiveTo')}>
        <DatePicker data-testid="correct-to" />
      </Form.Item>
      <Form.Item name="terminatedFrom" label={text('terminatedFrom')}>
        <DatePicker data-testid="correct-terminated" />
      </Form.Item>
      <ReasonField testId="correct" />
    </ActionModal>
  );
}

interface ResolveValues {
  outcome: 'UPHOLD' | 'REJECT';
  reason: string;
  effectiveDate?: Dayjs;
}

export function ResolveObjectionModal({
  objectionId,
  ...props
}: Omit<Props, 'version'> & { objectionId: string }) {
  const text = useText();
  return (
    <ActionModal<ResolveValues>
      open={props.open}
      title={text('resolveTitle')}
      testId="resolve"
      okText={text('resolve')}
      initialValues={{ outcome: 'REJECT', effectiveDate: dayValue(todayInChina()) }}
      onCancel={props.onCancel}
      onSubmit={async ({ outcome, reason, effectiveDate }) =>
        props.onDone(
          await call(
            listingsControllerResolveObjection({
              path: { id: props.listingId, objectionId },
              body: {
                outcome,
                reason: reason.trim(),
                ...(outcome === 'UPHOLD' && effectiveDate ? { effectiveDate: pickerDay(effectiveDate) } : {}),
              },
            }),
          ),
        )
      }
    >
      <Form.Item name="outcome" label={text('outcome')} rules={[{ required: true }]}>
        <Radio.Group
          data-testid="resolve-outcome"
          options={[
            { value: 'REJECT', label: text('rejectObjection') },
            { value: 'UPHOLD', label: text('uphold') },
          ]}
        />
      </Form.Item>
      <Form.Item noStyle dependencies={['outcome']}>
        {({ getFieldValue }) =>
          getFieldValue('outcome') === 'UPHOLD' ? <EffectiveDateField testId="resolve" /> : null
        }
      </Form.Item>
      <ReasonField testId="resolve" />
    </ActionModal>
  );
}

interface RepairValues {
  decision: 'APPROVE' | 'REFUSE';
  reason: string;
  effectiveDate?: Dayjs;
}

export function DecideRepairModal({ repairId, ...props }: Omit<Props, 'version'> & { repairId: string }) {
  const text = useText();
  return (
    <ActionModal<RepairValues>
      open={props.open}
      title={text('decideTitle')}
      testId="repair"
      okText={text('decide')}
      initialValues={{ decision: 'APPROVE', effectiveDate: dayValue(todayInChina()) }}
      onCancel={props.onCancel}
      onSubmit={async ({ decision, reason, effectiveDate }) =>
        props.onDone(
          await call(
            listingsControllerDecideRepair({
              path: { id: props.listingId, repairId },
              body: {
                decision,
                reason: reason.trim(),
                ...(decision === 'APPROVE' && effectiveDate
                  ? { effectiveDate: pickerDay(effectiveDate) }
                  : {}),
              },
            }),
          ),
        )
      }
    >
      <Form.Item name="decision" label={text('decision')} rules={[{ required: true }]}>
        <Radio.Group
          data-testid="repair-decision"
          options={[
            { value: 'APPROVE', label: text('approveRepair') },
            { value: 'REFUSE', label: text('refuseRepair') },
          ]}
        />
      </Form.Item>
      <Form.Item noStyle dependencies={['decision']}>
        {({ getFieldValue }) =>
          getFieldValue('decision') === 'APPROVE' ? <EffectiveDateField testId="repair" /> : null
        }
      </Form.Item>
      <ReasonField testId="repair" />
    </ActionModal>
  );
}
