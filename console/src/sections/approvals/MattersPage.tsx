import { App, Alert, Button, List, Space, Table, Typography, type TableColumnsType } from 'antd';
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
import { DecideRepairModal, ResolveObjectionModal } from './decisions';

const PAGE_SIZE = 100;
const MAX_PAGES = 5;

type Awaiting = 'OBJECTION' | 'REPAIR';

/** The entries with an open objection, or a pending credit repair request, with their details. */
async function entriesAwaiting(
  awaiting: Awaiting,
): Promise<{ entries: ListingDetailsDto[]; truncated: boolean }> {
  const found: ListingResponseDto[] = [];
  let truncated = true;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await call(listingsControllerGetListings({ query: { awaiting, page, pageSize: PAGE_SIZE } }));
    found.push(...res.items);
    if (page * PAGE_SIZE >= res.total) {
      truncated = false;
      break;
    }
  }
  const entries = await Promise.all(
    found.map((l) => call(listingsControllerGetListing({ path: { id: l.id } }))),
  );
  return { entries, truncated };
}

interface Matters {
  objections: ListingDetailsDto[];
  repairs: ListingDetailsDto[];
  truncated: boolean;
}

export function MattersPage() {
  const text = useText();
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const period = usePeriod();
  const [matters, setMatters] = useState<Matters>();
  const [error, setError] = useState<string>();
  const [resolving, setResolving] = useState<{ listingId: string; objectionId: string }>();
  const [deciding, setDeciding] = useState<{ listingId: string; repairId: string }>();

  const load = useCallback(async () => {
    try {
      const [objections, repairs] = await Promise.all([
        entriesAwaiting('OBJECTION'),
        entriesAwaiting('REPAIR'),
      ]);
      setMatters({
        objections: objections.entries,
        repairs: repairs.entries,
        truncated: objections.truncated || repairs.truncated,
      });
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const entryColumns: TableColumnsType<ListingDetailsDto> = [
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
  ];

  return (
    <SectionTheme>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {text('mattersTitle')}
        </Typography.Title>
        <Alert type="info" showIcon title={text('mattersNote')} />
        {matters?.truncated && (
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
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {text('openObjections')}
        </Typography.Title>
        <Table<ListingDetailsDto>
          rowKey="id"
          data-testid="matters"
          loading={!matters && !error}
          dataSource={matters?.objections}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty>{text('mattersEmpty')}</Empty> }}
          onRow={(l) => ({ 'data-testid': `matter-row-${l.id}` }) as object}
          columns={[
            ...entryColumns,
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
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {text('pendingRepairs')}
        </Typography.Title>
        <Table<ListingDetailsDto>
          rowKey="id"
          data-testid="repair-matters"
          loading={!matters && !error}
          dataSource={matters?.repairs}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty>{text('repairsEmpty')}</Empty> }}
          onRow={(l) => ({ 'data-testid': `repair-row-${l.id}` }) as object}
          columns={[
            ...entryColumns,
            {
              key: 'repairs',
              title: text('pendingRepairs'),
              render: (_, l) => (
                <List
                  size="small"
                  dataSource={l.repairs.filter((r) => r.status === 'PENDING')}
                  renderItem={(r) => (
                    <List.Item
                      actions={[
                        <Button
                          key="decide"
                          size="small"
                          data-testid={`decide-${r.id}`}
                          onClick={() => setDeciding({ listingId: l.id, repairId: r.id })}
                        >
                          {text('decide')}
                        </Button>,
                      ]}
                    >
                      <span>
                        {text('requestedAt')}：{formatInstant(r.requestedAt)}
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
        <DecideRepairModal
          open={deciding !== undefined}
          listingId={deciding?.listingId ?? ''}
          repairId={deciding?.repairId ?? ''}
          onCancel={() => setDeciding(undefined)}
          onDone={() => {
            setDeciding(undefined);
            void message.success(text('decided'));
            void load();
          }}
        />
      </Space>
    </SectionTheme>
  );
}
