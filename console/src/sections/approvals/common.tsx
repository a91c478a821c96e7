// Shared pieces of the approvals section: reading the API's loosely typed fields, the entry's basis
// (decision number or designation document), and the modal every decision with a reason uses.
import {
  Alert,
  ConfigProvider,
  Form,
  Modal,
  Tag,
  Typography,
  type ButtonProps,
  type FormInstance,
} from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, call, casesControllerGetCase, type ListingResponseDto } from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useI18n } from '../../i18n';
import { useSectionText } from '../types';
import { messages, STATUS } from './messages';

/** A field the OpenAPI document types as an object or null but that is a string or null. */
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function useText() {
  return useSectionText(messages);
}

/** The label of a listing, objection or repair status. */
export function useStatusLabel() {
  const { lang } = useI18n();
  const table = lang === 'en' ? STATUS.en : STATUS.zh;
  return (code: string) => table[code] ?? code;
}

/** `2026-01-01 – 2027-12-31`, or `2026-01-01 – 不定期`. */
export function usePeriod() {
  const text = useText();
  return (from: unknown, to: unknown) => {
    const start = str(from);
    if (!start) return '';
    return `${start} – ${str(to) || text('openEnded')}`;
  };
}

/** The API's message of an error, or the error as text. */
export const messageOf = (e: unknown): string => (e instanceof ApiError ? e.message : String(e));

/** Decision numbers of the cases the given entries rest on, by case id (loaded as needed). */
export function useDecisionNumbers(entries: readonly ListingResponseDto[] | undefined) {
  const [numbers, setNumbers] = useState<Record<string, string>>({});
  useEffect(() => {
    const wanted = [...new Set((entries ?? []).map((e) => str(e.caseId)).filter(Boolean))].filter(
      (id) => !(id in numbers),
    );
    if (!wanted.length) return;
    let live = true;
    void Promise.all(
      wanted.map(async (id) => {
        try {
          const c = await call(casesControllerGetCase({ path: { id } }));
          return [id, str(c.decisionNumber)] as const;
        } catch {
          return [id, ''] as const;
        }
      }),
    ).then((pairs) => {
      if (live) setNumbers((old) => ({ ...old, ...Object.fromEntries(pairs) }));
    });
    return () => {
      live = false;
    };
    // Depends on `entries` only: `numbers` just skips what is known (loading on its change would loop).
  }, [entries]);
  return numbers;
}

/** What an entry rests on: its case's decision number, or a RED entry's designation document. */
export function basisOf(entry: ListingResponseDto, numbers: Record<string, string>): string {
  return str(entry.designationDocument) || numbers[str(entry.caseId)] || '';
}

/** The user asked for reduced motion: dialogs appear at once, without antd's zoom. */
const REDUCED_MOTION =
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

/**
 * A modal with a form that sends one decision: the API's field errors go beside the fields, its
 * message into an alert (`approval-error`); it closes on success.
 */
export function ActionModal<V extends object>({
  open,
  title,
  testId,
  okText,
  danger,
  initialValues,
  onCancel,
  onSubmit,
  children,
}: {
  open: boolean;
  title: string;
  testId: string;
  okText: string;
  danger?: boolean;
  initialValues?: Partial<V>;
  onCancel(): void;
  /** Sends the decision; a thrown error is shown. */
  onSubmit(values: V, form: FormInstance<V>): Promise<void>;
  children: ReactNode;
}) {
  const text = useText();
  const { t } = useI18n();
  const [form] = Form.useForm<V>();
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (open) {
      form.resetFields();
      setErrors([]);
    }
  }, [open, form]);

  const submit = async (values: V) => {
    setBusy(true);
    setErrors([]);
    clearFieldErrors(form);
    try {
      await onSubmit(values, form);
    } catch (e) {
      setErrors(showFieldErrors(form, e, (field) => (field ? [field] : undefined)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={title}
      okText={okText}
      cancelText={t('cancel')}
      okButtonProps={{ danger, loading: busy, 'data-testid': `${testId}-ok` } as ButtonProps}
      onOk={() => form.submit()}
      onCancel={onCancel}
      destroyOnHidden
      {...(REDUCED_MOTION ? { transitionName: '', maskTransitionName: '' } : {})}
    >
      <Form<V>
        form={form}
        name={testId}
        layout="vertical"
        initialValues={initialValues}
        preserve={false}
        onFinish={(v) => void submit(v)}
      >
        {children}
      </Form>
      {errors.length > 0 && (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="approval-error"
          title={text('actionFailed')}
          description={errors.map((e) => (
            <div key={e}>{e}</div>
          ))}
        />
      )}
    </Modal>
  );
}

/** High-contrast solid colours (white text) of statuses. */
const STATUS_COLOURS: Record<string, string> = {
  PROPOSED: '#0958d9',
  ACTIVE: '#237804',
  EXPIRED: '#434343',
  REPAIRED: '#006d75',
  REVOKED: '#a8071a',
  REJECTED: '#434343',
  OPEN: '#ad4e00',
  PENDING: '#ad4e00',
};

export function StatusTag({ status, label, testId }: { status: string; label?: string; testId?: string }) {
  const statusLabel = useStatusLabel();
  return (
    <Tag
      color={STATUS_COLOURS[status] ?? '#434343'}
      variant="solid"
      data-testid={testId}
      data-status={status}
    >
      {label ?? statusLabel(status)}
    </Tag>
  );
}

/**
 * The section's pages: antd's red (#ff4d4f, 3.2:1 on white) darkened to WCAG AA for the danger
 * buttons of reject and revoke.
 */
export function SectionTheme({ children }: { children: ReactNode }) {
  return <ConfigProvider theme={{ token: { colorError: '#cf1322' } }}>{children}</ConfigProvider>;
}

/** A table's empty text in the secondary grey (antd's own placeholder grey is too light). */
export const Empty = ({ children }: { children: ReactNode }) => (
  <Typography.Text type="secondary">{children}</Typography.Text>
);
