import { Alert, Table, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type ApiErrorDetail, type PoolResponseDto } from '../../api/client';
import { useI18n } from '../../i18n';
import { useSectionText } from '../types';
import { messages } from './messages';

type Labels = { zh: Record<string, string>; en: Record<string, string> };

/** The label of a code in the console's language; an unknown code is shown as it is. */
export function useCodeLabel(): (labels: Labels, code: string | null | undefined) => string {
  const { lang } = useI18n();
  return (labels, code) => (code ? ((lang === 'en' ? labels.en : labels.zh)[code] ?? code) : '—');
}

/** A pool's frozen versions of one kind, newest first, as options labelled `name · vN (rows)`. */
export const versionOptions = (pools: PoolResponseDto[], kind?: string) =>
  pools
    .filter((p) => kind === undefined || p.kind === kind)
    .flatMap((p) =>
      [...p.versions]
        .reverse()
        .map((v) => ({ value: v.id, label: `${p.name} · v${v.version} (${v.rowCount})` })),
    );

/** The server's message of a refusal, worded as it sent it. */
export const errorText = (e: unknown): string => (e instanceof ApiError ? e.message : String(e));

/** A refusal: its message and, when the server listed them, each problem (field, code, message). */
export function ErrorBox({ error, testId }: { error: unknown; testId: string }) {
  const text = useSectionText(messages);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid={testId}
      title={errorText(error)}
      description={
        details.length > 0 ? (
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            {details.map((d, i) => (
              <li key={i}>
                {d.field ? `${d.field}: ` : ''}
                {d.message} ({d.code})
              </li>
            ))}
          </ul>
        ) : (
          text('actionFailed')
        )
      }
    />
  );
}

interface RowProblem extends ApiErrorDetail {
  key: number;
  row: string;
  column: string;
}

/** A pool file's problems (`rows.<row>.<column>`) as a table of row, column, code and message. */
export function RowProblems({ error }: { error: ApiError }) {
  const text = useSectionText(messages);
  const problems: RowProblem[] = error.details.map((d, key) => {
    const [, row = '', ...column] = d.field.split('.');
    return { ...d, key, row, column: column.join('.') };
  });
  const columns: TableColumnsType<RowProblem> = [
    { key: 'row', title: text('row'), dataIndex: 'row', width: 80 },
    { key: 'column', title: text('column'), dataIndex: 'column', width: 180 },
    { key: 'code', title: text('code'), dataIndex: 'code', width: 220 },
    { key: 'message', title: text('message'), dataIndex: 'message' },
  ];
  return (
    <div data-testid="pool-row-problems">
      <Alert type="error" showIcon role="alert" title={text('fileRefused', { n: problems.length })} />
      <Table<RowProblem>
        size="small"
        rowKey="key"
        columns={columns}
        dataSource={problems}
        pagination={false}
        aria-label={text('rowProblems')}
        style={{ marginTop: 8 }}
      />
    </div>
  );
}

/** Lines of a text area, trimmed, blank ones dropped. */
export const lines = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * What a page shows, read through `fetch` when the page opens and whenever `key` changes: the data,
 * whether it is loading, the error of the last read (cleared by a good one), and `reload` for after
 * a change. The last data stays shown while a reload runs or fails.
 */
export function useLoaded<T>(key: string, fetch: () => Promise<T>) {
  const latest = useRef(fetch);
  useEffect(() => {
    latest.current = fetch;
  });
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const reload = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }));
    try {
      setState({ data: await latest.current(), loading: false });
    } catch (error) {
      setState((s) => ({ ...s, error, loading: false }));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [key, reload]);
  return { ...state, reload };
}
