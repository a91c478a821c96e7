import { App, Alert, Button, List, Space, Table, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import {
  call,
  listingsControllerGetListing,
  listingsControllerGetListings,
  type ListingDetailsDto,
  type ListingResponseDto,
} from '../../api/client';
import { useI18n } from '../../i18n';
import { formatInstant } from '../../time';
import { Empty, messageOf, SectionTheme, StatusTag, usePeriod, useText } from './common';
import { ResolveObjectionModal } from './decisions';

/** Statuses an entry under objection may have, and how far back each is looked at. */
const STATUSES = ['PROPOSED', 'ACTIVE', 'EXPIRED'] as const;
const PAGE_SIZE = 100;
const MAX_PAGES = 5;

/**
 * Entries under objection with their open objections. The API has no "under objection" filter: the
 * latest entries of each status that may carry one are read and filtered here.
 */
async function entriesUnderObjection(): Promise<{ entries: ListingDetailsDto[]; truncated: boolean }> {
  const found: ListingResponseDto[] = [];
  let truncated = false;
  await Promise.all(
    STATUSES.map(async (status) => {
      for (let page = 1; page <= MAX_PAGES; page++) {
        const res = await call(
          listingsControllerGetListings({ query: { status, page, pageSize: PAGE_SIZE } }),
        );
        found.push(...res.items.filter((l) => l.underObjection));
        if (page * PAGE_SIZE >= res.total) return;
      }
      truncated = true;
    }),
  );
  const entries = await Promise.all(
    found.map((l) => call(listingsControllerGetListing({ path: { id: l.id } }))),
  );
  entries.sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
  return { entries, truncated };
}

export function MattersPage() {
  const text = useText();
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const period = usePeriod();
  const [entries, setEntries] = useState<ListingDetailsDto[]>();
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string>();
  const [resolving, setResolving] = useState<{ listingId: string; objectionId: string }>();

  const load = useCallback(async () => {
    try {
      const next = await entriesUnderObjection();
      setEntries(next.entries);
      setTruncated(next.truncated);
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <SectionTheme>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {text('mattersTitle')}
        </Typography.Title>
        <Alert type="info" showIcon title={text('mattersNote')} />
        {truncated && (
          <Typography.Text type="secondary">
            {text('mattersTruncated', { n: PAGE_SIZE * MAX_PAGES })}
          </Typography.Text>
        )}
        {error && (
          <Alert
            type="error"
            showIcon
            role="alert"
            data-testid="approval-error"
            title={text('loadFailed')}
            description={error}
          />
        )}
        <Table<ListingDetailsDto>
          rowKey="id"
          data-testid="matters"
          loading={!entries && !error}
          dataSource={entries}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty>{text('mattersEmpty')}</Empty> }}
          onRow={(l) => ({ 'data-testid': `matter-row-${l.id}` }) as object}
          columns={[
            {
              key: 'subject',
              title: text('subjectName'),
              render: (_, l) => <Link to={`/approvals/listings/${l.id}`}>{l.subjectName}</Link>,
            },
            { key: 'listType', title: t('listType'), render: (_, l) => label('listType', l.listType) },
            { key: 'status', title: text('status'), render: (_, l) => <StatusTag status={l.status} /> },
            {
              key: 'period',
              title: text('effectivePeriod'),
              render: (_, l) => period(l.effectiveFrom, l.effectiveTo),
            },
            {
              key: 'objections',
              title: text('openObjections'),
              render: (_, l) => (
                <List
                  size="small"
                  dataSource={l.objections.filter((o) => o.status === 'OPEN')}
                  renderItem={(o) => (
                    <List.Item
                      actions={[
                        <Button
                          key="resolve"
                          size="small"
                          data-testid={`resolve-${o.id}`}
                          onClick={() => setResolving({ listingId: l.id, objectionId: o.id })}
                        >
                          {text('resolve')}
                        </Button>,
                      ]}
                    >
                      <span>
                        {o.raisedBy}：{o.reason}
                        <Typography.Text type="secondary"> （{formatInstant(o.createdAt)}）</Typography.Text>
                      </span>
                    </List.Item>
                  )}
                />
              ),
            },
          ]}
        />
        <ResolveObjectionModal
          open={resolving !== undefined}
          listingId={resolving?.listingId ?? ''}
          objectionId={resolving?.objectionId ?? ''}
          onCancel={() => setResolving(undefined)}
          onDone={() => {
            setResolving(undefined);
            void message.success(text('resolved'));
            void load();
          }}
        />
      </Space>
    </SectionTheme>
  );
}
