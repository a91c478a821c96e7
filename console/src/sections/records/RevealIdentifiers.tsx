import { Alert, Button, Form, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import {
  ApiError,
  call,
  subjectsControllerRevealSubjectIdentifiers,
  type SubjectRevealedIdentifierDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { useSectionText } from '../types';
import { messages } from './messages';

/**
 * The full identifiers, for the roles the API lets reveal them (recorders, approvers and administrators),
 * after the user states why: the server writes the purpose to the audit trail. The numbers stay on screen
 * only while the dialog is open.
 */
export function RevealIdentifiers({ subjectId }: { subjectId: string }) {
  const s = useSectionText(messages);
  const { label } = useI18n();
  const { hasRole } = useAuth();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [revealed, setRevealed] = useState<SubjectRevealedIdentifierDto[]>();
  const [form] = Form.useForm<{ purpose: string }>();

  if (!hasRole('RECORDER') && !hasRole('APPROVER') && !hasRole('ADMIN')) return null;

  const close = () => {
    setOpen(false);
    setRevealed(undefined);
    setError(undefined);
    form.resetFields();
  };

  const submit = async ({ purpose }: { purpose: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      setRevealed(
        await call(
          subjectsControllerRevealSubjectIdentifiers({ path: { id: subjectId }, query: { purpose } }),
        ),
      );
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} data-testid="reveal-identifiers">
        {s('reveal')}
      </Button>
      <Modal
        open={open}
        title={s('revealTitle')}
        onCancel={close}
        destroyOnHidden
        footer={
          revealed
            ? [
                <Button key="close" type="primary" onClick={close} data-testid="reveal-close">
                  {s('revealClose')}
                </Button>,
              ]
            : [
                <Button key="cancel" onClick={close}>
                  {s('revealCancel')}
                </Button>,
                <Button
                  key="ok"
                  type="primary"
                  loading={busy}
                  onClick={() => form.submit()}
                  data-testid="reveal-submit"
                >
                  {s('revealConfirm')}
                </Button>,
              ]
        }
      >
        {revealed ? (
          <Space orientation="vertical" size={0} data-testid="revealed-identifiers">
            <Typography.Paragraph type="secondary">{s('revealAudited')}</Typography.Paragraph>
            {revealed.map((i) => (
              <span key={i.id}>
                {label('idType', i.type)}
                {i.issuingCountry ? `（${i.issuingCountry}）` : ''}：<code>{i.value}</code>
              </span>
            ))}
          </Space>
        ) : (
          <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
            <Typography.Paragraph>{s('revealHelp')}</Typography.Paragraph>
            <Form.Item
              name="purpose"
              label={s('revealPurpose')}
              rules={[{ required: true, whitespace: true, message: s('revealPurposeRequired') }]}
            >
              <Input.TextArea rows={2} maxLength={500} showCount data-testid="reveal-purpose" />
            </Form.Item>
            {error && <Alert type="error" showIcon role="alert" title={error} data-testid="reveal-error" />}
          </Form>
        )}
      </Modal>
    </>
  );
}
