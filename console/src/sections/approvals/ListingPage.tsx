import { App, Alert, Button, Card, Descriptions, Space, Spin, Table, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  call,
  casesControllerGetCase,
  listingsControllerApproveListing,
  listingsControllerGetListing,
  type ListingDetailsDto,
  type ListingEventDto,
  type ObjectionDto,
  type RepairDto,
} from '../../api/client';
import { useI18n } from '../../i18n';
import { formatInstant, todayInChina } from '../../time';
import { Empty, messageOf, SectionTheme, StatusTag, str, usePeriod, useStatusLabel, useText } from './common';
import {
  CorrectModal,
  DecideRepairModal,
  RejectModal,
  ResolveObjectionModal,
  RevokeModal,
} from './decisions';

type Dialog =
  | { kind: 'reject' | 'revoke' | 'correct' }
  | { kind: 'objection'; id: string }
  | { kind: 'repair'; id: string };

const sectionTitle = (title: string) => (
  <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
    {title}
  </Typography.Title>
);

/** One entry: its details, history, objections and repair requests, and the decisions on it. */
export function ListingPage() {
  const { id = '' } = useParams();
  const text = useText();
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const period = usePeriod();
  const statusLabel = useStatusLabel();
  const [listing, setListing] = useState<ListingDetailsDto>();
  const [decisionNumber, setDecisionNumber] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<Dialog>();

  const load = useCallback(async () => {
    try {
      const next = await call(listingsControllerGetListing({ path: { id } }));
      setListing(next);
      const caseId = str(next.caseId);
      if (caseId) {
        const c = await call(casesControllerGetCase({ path: { id: caseId } })).catch(() => undefined);
        setDecisionNumber(str(c?.decisionNumber));
      }
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  const done = (note: string) => (next: ListingDetailsDto) => {
    setListing(next);
    setDialog(undefined);
    setError(undefined);
    void message.success(note);
  };

  const approve = async () => {
    if (!listing) return;
    setBusy(true);
    setError(undefined);
    try {
      done(text('approved'))(
        await call(
          listingsControllerApproveListing({
            path: { id: listing.id },
            headers: { 'If-Match': `"${listing.version}"` },
          }),
        ),
      );
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const openDialog = (next: Dialog) => {
    setError(undefined);
    setDialog(next);
  };

  const common = {
    listingId: id,
    version: listing?.version ?? 0,
    onCancel: () => setDialog(undefined),
  };
  const status = listing?.status;
  const canDecide = status === 'PROPOSED';
  const canRevoke = status === 'ACTIVE' || status === 'EXPIRED';
  const canCorrect = status !== undefined && status !== 'REJECTED';
  const today = todayInChina();

  return (
    <SectionTheme>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Link to="/approvals">{text('back')}</Link>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {text('entryTitle')}
          {listing ? `：${listing.subjectName}` : ''}
        </Typography.Title>
        {error && (
          <Alert
            type="error"
            showIcon
            role="alert"
            data-testid="approval-error"
            title={text('actionFailed')}
            description={error}
          />
        )}
        {!listing && !error && <Spin />}
        {listing && (
          <>
            <Card title={sectionTitle(text('details'))} data-testid="listing">
              <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
                <Descriptions.Item label={text('status')}>
                  <StatusTag status={listing.status} testId="listing-status" />
                </Descriptions.Item>
                <Descriptions.Item label={t('listType')}>
                  {label('listType', listing.listType)}
                </Descriptions.Item>
                <Descriptions.Item label={text('subjectName')}>{listing.subjectName}</Descriptions.Item>
                <Descriptions.Item label={text('basis')}>
                  {str(listing.designationDocument) || decisionNumber}
                </Descriptions.Item>
                <Descriptions.Item label={text('effectivePeriod')}>
                  {period(listing.effectiveFrom, listing.effectiveTo)}
                </Descriptions.Item>
                <Descriptions.Item label={text('terminatedFrom')}>
                  {str(listing.terminatedFrom)}
                </Descriptions.Item>
                {listing.listType === 'RED' && (
                  <Descriptions.Item label={text('publicity')}>
                    <Space size={4} wrap>
                      <span>{`${str(listing.publicityFrom)} – ${str(listing.publicityTo)}`}</span>
                      {str(listing.publicityTo) && today <= str(listing.publicityTo) && (
                        <StatusTag
                          status="OPEN"
                          label={text('publicityRunning')}
                          testId="publicity-running"
                        />
                      )}
                    </Space>
                  </Descriptions.Item>
                )}
                <Descriptions.Item label={text('inForceToday')}>
                  {listing.inForceToday ? text('yes') : text('no')}
                </Descriptions.Item>
                <Descriptions.Item label={text('underObjection')}>
                  {listing.underObjection ? text('yes') : text('no')}
                </Descriptions.Item>
                <Descriptions.Item label={text('proposedAt')}>
                  {formatInstant(listing.proposedAt)}
                </Descriptions.Item>
                <Descriptions.Item label={text('decidedAt')}>
                  {formatInstant(listing.decidedAt)}
                </Descriptions.Item>
                <Descriptions.Item label={text('decisionReason')}>
                  {str(listing.decisionReason)}
                </Descriptions.Item>
                <Descriptions.Item label={text('version')}>{listing.version}</Descriptions.Item>
              </Descriptions>
            </Card>

            <Card title={sectionTitle(text('actions'))}>
              {canDecide || canRevoke || canCorrect ? (
                <Space wrap>
                  {canDecide && (
                    <Button
                      type="primary"
                      loading={busy}
                      data-testid="approve"
                      onClick={() => void approve()}
                    >
                      {text('approve')}
                    </Button>
                  )}
                  {canDecide && (
                    <Button danger data-testid="reject" onClick={() => openDialog({ kind: 'reject' })}>
                      {text('reject')}
                    </Button>
                  )}
                  {canRevoke && (
                    <Button danger data-testid="revoke" onClick={() => openDialog({ kind: 'revoke' })}>
                      {text('revoke')}
                    </Button>
                  )}
                  {canCorrect && (
                    <Button data-testid="correct" onClick={() => openDialog({ kind: 'correct' })}>
                      {text('correct')}
                    </Button>
                  )}
                </Space>
              ) : (
                <Typography.Text type="secondary">{text('noActions')}</Typography.Text>
              )}
            </Card>

            <Card title={sectionTitle(text('objections'))}>
              <Table<ObjectionDto>
                rowKey="id"
                size="small"
                pagination={false}
                data-testid="objections"
                dataSource={listing.objections}
                locale={{ emptyText: <Empty>{text('noObjections')}</Empty> }}
                columns={[
                  {
                    key: 'status',
                    title: text('status'),
                    render: (_, o) => (
                      <StatusTag
                        status={o.status}
                        label={statusLabel(o.status === 'REJECTED' ? 'OBJECTION_REJECTED' : o.status)}
                        testId={`objection-status-${o.id}`}
                      />
                    ),
                  },
                  { key: 'raisedBy', title: text('raisedBy'), dataIndex: 'raisedBy' },
                  { key: 'reason', title: text('reason'), dataIndex: 'reason' },
                  {
                    key: 'createdAt',
                    title: text('createdAt'),
                    render: (_, o) => formatInstant(o.createdAt),
                  },
                  {
                    key: 'resolvedAt',
                    title: text('resolvedAt'),
                    render: (_, o) => formatInstant(o.resolvedAt),
                  },
                  { key: 'resolution', title: text('resolution'), render: (_, o) => str(o.resolutionReason) },
                  {
                    key: 'action',
                    title: text('actions'),
                    render: (_, o) =>
                      o.status === 'OPEN' ? (
                        <Button
                          size="small"
                          data-testid={`resolve-${o.id}`}
                          onClick={() => openDialog({ kind: 'objection', id: o.id })}
                        >
                          {text('resolve')}
                        </Button>
                      ) : null,
                  },
                ]}
              />
            </Card>

            <Card title={sectionTitle(text('repairs'))}>
              <Table<RepairDto>
                rowKey="id"
                size="small"
                pagination={false}
                data-testid="repairs"
                dataSource={listing.repairs}
                locale={{ emptyText: <Empty>{text('noRepairs')}</Empty> }}
                columns={[
                  { key: 'status', title: text('status'), render: (_, r) => <StatusTag status={r.status} /> },
                  {
                    key: 'requestedAt',
                    title: text('requestedAt'),
                    render: (_, r) => formatInstant(r.requestedAt),
                  },
                  {
                    key: 'decidedAt',
                    title: text('decidedAt'),
                    render: (_, r) => formatInstant(r.decidedAt),
                  },
                  { key: 'reason', title: text('decisionReason'), render: (_, r) => str(r.decisionReason) },
                  {
                    key: 'action',
                    title: text('actions'),
                    render: (_, r) =>
                      r.status === 'PENDING' ? (
                        <Button
                          size="small"
                          data-testid={`decide-${r.id}`}
                          onClick={() => openDialog({ kind: 'repair', id: r.id })}
                        >
                          {text('decide')}
                        </Button>
                      ) : null,
                  },
                ]}
              />
            </Card>

            <Card title={sectionTitle(text('history'))}>
              <Table<ListingEventDto>
                rowKey={(e) => `${e.recordedAt}:${e.status}`}
                size="small"
                pagination={false}
                data-testid="history"
                dataSource={listing.history}
                columns={[
                  { key: 'status', title: text('status'), render: (_, e) => statusLabel(e.status) },
                  {
                    key: 'recordedAt',
                    title: text('recordedAt'),
                    render: (_, e) => formatInstant(e.recordedAt),
                  },
                  {
                    key: 'effectiveDate',
                    title: text('effectiveDate'),
                    render: (_, e) => str(e.effectiveDate),
                  },
                  {
                    key: 'period',
                    title: text('periodSet'),
                    render: (_, e) => period(e.effectiveFrom, e.effectiveTo),
                  },
                  { key: 'reason', title: text('reason'), render: (_, e) => str(e.reason) },
                ]}
              />
            </Card>
          </>
        )}
        <RejectModal {...common} open={dialog?.kind === 'reject'} onDone={done(text('rejected'))} />
        <RevokeModal {...common} open={dialog?.kind === 'revoke'} onDone={done(text('revoked'))} />
        <CorrectModal {...common} open={dialog?.kind === 'correct'} onDone={done(text('corrected'))} />
        <ResolveObjectionModal
          {...common}
          objectionId={dialog?.kind === 'objection' ? dialog.id : ''}
          open={dialog?.kind === 'objection'}
          onDone={done(text('resolved'))}
        />
        <DecideRepairModal
          {...common}
          repairId={dialog?.kind === 'repair' ? dialog.id : ''}
          open={dialog?.kind === 'repair'}
          onDone={done(text('decided'))}
        />
      </Space>
    </SectionTheme>
  );
}
