import { Alert, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import {
  call,
  listingsControllerGetListings,
  type ListingPageDto,
  type ListingResponseDto,
} from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { formatInstant, todayInChina } from '../../time';
import {
  basisOf,
  Empty,
  SectionTheme,
  messageOf,
  str,
  useDecisionNumbers,
  usePeriod,
  useText,
} from './common';

const PAGE_SIZE = 20;

/** Entries awaiting a decision, except the user's own proposals. */
export function InboxPage() {
  const text = useText();
  const { label, t } = useI18n();
  const { me } = useAuth();
  const period = usePeriod();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ListingPageDto>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let live = true;
    setLoading(true);
    call(listingsControllerGetListings({ query: { status: 'PROPOSED', page, pageSize: PAGE_SIZE } }))
      .then((next) => {
        if (!live) return;
        setData(next);
        setError(undefined);
      })
      .catch((e: unknown) => live && setError(messageOf(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [page]);

  const rows = data?.items.filter((l) => str(l.proposedBy) !== me?.id);
  const hidden = (data?.items.length ?? 0) - (rows?.length ?? 0);
  const numbers = useDecisionNumbers(data?.items);
  const today = todayInChina();
  const open = (id: string) => navigate(`/approvals/listings/${id}`);

  return (
    <SectionTheme>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {text('inboxTitle')}
        </Typography.Title>
        <Alert type="info" showIcon title={text('inboxNote')} data-testid="inbox-note" />
        {hidden > 0 && (
          <Typography.Text type="secondary" data-testid="inbox-hidden">
            {text('inboxHiddenOwn', { n: hidden })}
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
        <Table<ListingResponseDto>
          rowKey="id"
          data-testid="inbox"
          loading={loading}
          dataSource={rows}
          locale={{ emptyText: <Empty>{text('inboxEmpty')}</Empty> }}
          onRow={(l) => ({
            'data-testid': `inbox-row-${l.id}`,
            onClick: () => open(l.id),
            style: { cursor: 'pointer' },
          })}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          }}
          columns={[
            {
              key: 'subject',
              title: text('subjectName'),
              render: (_, l) => (
                <Link to={`/approvals/listings/${l.id}`} onClick={(e) => e.stopPropagation()}>
                  {l.subjectName}
                </Link>
              ),
            },
            { key: 'listType', title: t('listType'), render: (_, l) => label('listType', l.listType) },
            { key: 'basis', title: text('basis'), render: (_, l) => basisOf(l, numbers) },
            {
              key: 'period',
              title: text('effectivePeriod'),
              render: (_, l) => period(l.effectiveFrom, l.effectiveTo),
            },
            {
              key: 'publicity',
              title: text('publicity'),
              render: (_, l) =>
                l.listType === 'RED' && str(l.publicityFrom) ? (
                  <Space size={4} wrap>
                    <span>{`${str(l.publicityFrom)} – ${str(l.publicityTo)}`}</span>
                    {today <= str(l.publicityTo) && (
                      <Tag color="#ad4e00" variant="solid" data-testid="publicity-running">
                        {text('publicityRunning')}
                      </Tag>
                    )}
                  </Space>
                ) : null,
            },
            { key: 'proposedAt', title: text('proposedAt'), render: (_, l) => formatInstant(l.proposedAt) },
          ]}
        />
      </Space>
    </SectionTheme>
  );
}
