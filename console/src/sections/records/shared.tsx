export { CardTitle, PageTitle } from '../../components/Titles';
import { Alert, ConfigProvider, Result, Space, Tag } from 'antd';
import { useEffect, type ReactNode } from 'react';
import type { SubjectIdentifierDto } from '../../api/client';
import { useI18n } from '../../i18n';
import { useSectionText } from '../types';
import { messages } from './messages';

/** Masked identifiers (the API masks them), with their type. */
export function Identifiers({ identifiers }: { identifiers: SubjectIdentifierDto[] }) {
  const { label } = useI18n();
  if (identifiers.length === 0) return <>—</>;
  return (
    <Space orientation="vertical" size={0}>
      {identifiers.map((i) => (
        <span key={i.id} data-testid="masked-identifier">
          {label('idType', i.type)}
          {i.issuingCountry ? `（${i.issuingCountry}）` : ''}：<code>{i.masked}</code>
        </span>
      ))}
    </Space>
  );
}

/** A valid-time period: `from 至 to`, 终身 or 不定期. */
export function Period({ from, to, lifetime }: { from?: string; to?: string; lifetime?: boolean }) {
  const s = useSectionText(messages);
  if (!from && !to) return <>{lifetime ? s('lifetime') : '—'}</>;
  return (
    <span>
      {from || '—'} {s('to')} {lifetime ? s('lifetime') : to || s('openEnded')}
    </span>
  );
}

export function ErrorAlert({ title, error, testId }: { title: string; error: string; testId: string }) {
  return <Alert type="error" showIcon role="alert" data-testid={testId} title={title} description={error} />;
}

/** A notice for users whose roles do not allow the page. */
export function Forbidden({ title, text }: { title: string; text: string }) {
  return (
    <Result
      status="403"
      title={<h1 style={{ fontSize: 22, margin: 0 }}>{title}</h1>}
      subTitle={text}
      data-testid="records-forbidden"
    />
  );
}

export function YesNo({ value }: { value: boolean }) {
  const s = useSectionText(messages);
  return value ? <Tag color="orange">{s('yes')}</Tag> : <>{s('no')}</>;
}

/**
 * antd's Select renders, once opened, a hidden `role=listbox` for screen readers without a name (axe:
 * aria-input-field-name). This names each such list after the label of the field that controls it,
 * for as long as the page is shown.
 */
export function useNamedListboxes(): void {
  useEffect(() => {
    const name = () => {
      document.querySelectorAll<HTMLElement>('[role="listbox"]:not([aria-label])').forEach((list) => {
        if (!list.id) return;
        const input = document.querySelector<HTMLElement>(`[aria-controls="${CSS.escape(list.id)}"]`);
        const labelText = input?.id
          ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent
          : undefined;
        list.setAttribute('aria-label', labelText?.trim() || input?.getAttribute('aria-label') || list.id);
      });
    };
    const observer = new MutationObserver(name);
    observer.observe(document.body, { childList: true, subtree: true });
    name();
    return () => observer.disconnect();
  }, []);
}

/**
 * The section's forms: antd's error red (#ff4d4f, 3.3:1 on white) darkened to red-7 (#cf1322, 5.9:1)
 * so that the API's messages beside the fields meet WCAG AA contrast.
 */
export function ReadableErrors({ children }: { children: ReactNode }) {
  return <ConfigProvider theme={{ token: { colorError: '#cf1322' } }}>{children}</ConfigProvider>;
}
