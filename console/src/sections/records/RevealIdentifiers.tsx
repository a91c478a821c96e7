import { Alert, Button, Form, Input, Space, Typography } from 'antd';
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

type Stage =
  { kind: 'closed' } | { kind: 'asking' } | { kind: 'shown'; revealed: SubjectRevealedIdentifierDto[] };

/**
 * The full identifiers, for the roles the API lets reveal them (recorders, approvers and administrators),
 * after the user states why: the server writes the purpose to the audit trail. The numbers stay on the
 * page until the user hides them or leaves it.
 */
export function RevealIdentifiers({ subjectId }: { subjectId: string }) {
  const s = useSectionText(messages);
  const { label } = useI18n();
  const { hasRole } = useAuth();
  const [stage, setStage] = useState<Stage>({ kind: 'closed' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  if (!hasRole('RECORDER') && !hasRole('APPROVER') && !hasRole('ADMIN')) return null;

  const close = () => {
    setStage({ kind: 'closed' });
    setError(undefined);
  };

  const submit = async ({ purpose }: { purpose: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const revealed = await call(
        subjectsControllerRevealSubjectIdentifiers({ path: { id: subjectId }, query: { purpose } }),
      );
      setStage({ kind: 'shown', revealed });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (stage.kind === 'closed') {
    return (
      <Button size="small" onClick={() => setStage({ kind: 'asking' })} data-testid="reveal-identifiers">
        {s('reveal')}
      </Button>
    );
  }

  if (stage.kind === 'shown') {
    return (
      <Space orientation="vertical" size={4} data-testid="revealed-identifiers">
        {stage.revealed.map((i) => (
          <span key={i.id}>
            {label('idType', i.type)}
            {i.issuingCountry ? `（${i.issuingCountry}）` : ''}：<code>{i.value}</code>
          </span>
        ))}
        <Typography.Text type="secondary">{s('revealAudited')}</Typography.Text>
        <Button size="small" onClick={close} data-testid="reveal-close">
          {s('revealClose')}
        </Button>
      </Space>
    );
  }

  return (
    <Form
      layout="vertical"
      onFinish={submit}
      requiredMark={false}
      style={{ maxWidth: 420 }}
      data-testid="reveal-form"
    >
      <Typography.Paragraph type="secondary">{s('revealHelp')}</Typography.Paragraph>
      <Form.Item
        name="purpose"
        label={s('revealPurpose')}
        rules={[{ required: true, whitespace: true, message: s('revealPurposeRequired') }]}
      >
        <Input.TextArea rows={2} maxLength={500} showCount data-testid="reveal-purpose" />
      </Form.Item>
      {error && <Alert type="error" showIcon role="alert" title={error} data-testid="reveal-error" />}
      <Space>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="reveal-submit">
          {s('revealConfirm')}
        </Button>
        <Button onClick={close}>{s('revealCancel')}</Button>
      </Space>
    </Form>
  );
}
