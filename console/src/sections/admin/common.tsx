export { CardTitle, PageTitle } from '../../components/Titles';
import { Alert, ConfigProvider, Tag, type ThemeConfig } from 'antd';
import type { ReactNode } from 'react';
import { ApiError, errorLines } from '../../api/client';
import { useSectionText } from '../types';
import { messages } from './messages';

export const useText = () => useSectionText(messages);

export const ROLES = ['ADMIN', 'RECORDER', 'APPROVER', 'REVIEWER', 'AUDITOR'] as const;
export type Role = (typeof ROLES)[number];

/** The lines an error alert shows (the API's message, then details not placed beside a field). */
export { errorLines };

/** An error as an Alert: 409 and 412 are called conflicts. */
export function ErrorAlert({
  title,
  lines,
  status,
  testId,
}: {
  title: string;
  lines: string[];
  status?: number;
  testId: string;
}) {
  const t = useText();
  if (lines.length === 0) return null;
  const conflict = status === 409 || status === 412;
  return (
    <Alert
      type={conflict ? 'warning' : 'error'}
      showIcon
      role="alert"
      data-testid={testId}
      data-status={status}
      title={conflict ? t('conflict') : title}
      description={lines.map((line, i) => (
        <div key={i}>{line}</div>
      ))}
    />
  );
}

/** An error kept for an ErrorAlert. */
export interface ShownError {
  status?: number;
  lines: string[];
}

export const NO_ERROR: ShownError = { lines: [] };

/** An error to show; a conflict (409, 412) always shows its message, even when placed beside a field. */
export function shownError(error: unknown, lines = errorLines(error)): ShownError {
  const status = error instanceof ApiError ? error.status : undefined;
  const conflict = status === 409 || status === 412;
  return {
    status,
    lines: conflict && lines.length === 0 && error instanceof ApiError ? [error.message] : lines,
  };
}

/**
 * Over the console's theme: the red of danger buttons and the grey of placeholders darkened to WCAG AA
 * contrast (antd's are 3.3:1 and 1.6:1), and no motion for those who asked for none.
 */
const ADMIN_THEME = (reduced: boolean): ThemeConfig => ({
  token: {
    motion: !reduced,
    colorError: '#cf1322',
    colorErrorHover: '#a8071a',
    colorErrorActive: '#820014',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
  },
});

const TONES = {
  green: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
  red: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  orange: { color: '#873800', background: '#fff7e6', borderColor: '#ffd591' },
  grey: { color: 'rgba(0, 0, 0, 0.75)', background: '#fafafa', borderColor: '#d9d9d9' },
} as const;

/** A tag in one of a few tones, each at WCAG AA contrast (antd's green, red, orange tags fall short). */
export function Mark({
  tone,
  children,
  testId,
}: {
  tone: keyof typeof TONES;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Tag style={TONES[tone]} data-testid={testId}>
      {children}
    </Tag>
  );
}

const reducedMotion = (): boolean =>
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

/**
 * A page of this section. A user who asked for reduced motion gets none: dialogs, dropdowns and
 * confirmations appear and go at once, without antd's zoom and slide.
 */
export function AdminPage({ children }: { children: ReactNode }) {
  return <ConfigProvider theme={ADMIN_THEME(reducedMotion())}>{children}</ConfigProvider>;
}
