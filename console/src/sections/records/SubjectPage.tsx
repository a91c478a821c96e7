import { Alert, Card, Descriptions, Space, Spin, Tag, Timeline, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  ApiError,
  call,
  casesControllerGetCases,
  listingsControllerGetListing,
  listingsControllerGetListings,
  subjectsControllerGetSubject,
  type CaseResponseDto,
  type ListingDetailsDto,
  type SubjectResponseDto,
} from '../../api/client';
import { useI18n } from '../../i18n';
import { formatInstant } from '../../time';
import { useSectionText } from '../types';
import { text, useCodeLabel } from './codes';
import { ListingSummary } from './ListingHistory';
import { MeasuresTable } from './MeasuresTable';
import { RevealIdentifiers } from './RevealIdentifiers';
import { messages } from './messages';
import { CardTitle, Identifiers, PageTitle } from './shared';

interface History {
  subject: SubjectResponseDto;
  cases: CaseResponseDto[];
  listings: ListingDetailsDto[];
}

async function loadHistory(id: string): Promise<History> {
  const [subject, cases, page] = await Promise.all([
    call(subjectsControllerGetSubject({ path: { id } })),
    call(casesControllerGetCases({ query: { subjectId: id, pageSize: 100 } })),
    call(listingsControllerGetListings({ query: { subjectId: id, pageSize: 100 } })),
  ]);
  const listings = await Promise.all(
    page.items.map((l) => call(listingsControllerGetListing({ path: { id: l.id } }))),
  );
  return { subject, cases: cases.items, listings };
}

type Entry =
  | { kind: 'case'; date: string; item: CaseResponseDto }
  | { kind: 'listing'; date: string; item: ListingDetailsDto };

export function SubjectPage() {
  const { id = '' } = useParams();
  const s = useSectionText(messages);
  const { t, label } = useI18n();
  const [history, setHistory] = useState<History>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    setHistory(undefined);
    setError(undefined);
    loadHistory(id)
      .then((h) => live && setHistory(h))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [id]);

  const subject = history?.subject;
  // Newest first: a case by its decision date, an entry by the first day of its period (valid time).
  const entries: Entry[] = history
    ? [
        ...history.cases.map((c): Entry => ({ kind: 'case', date: text(c.decisionDate), item: c })),
        ...history.listings.map((l): Entry => ({ kind: 'listing', date: l.effectiveFrom, item: l })),
      ].sort((a, b) => b.date.localeCompare(a.date) || (a.kind === 'case' ? 1 : -1))
    : [];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>
        {s('subjectTitle')}
        {subject ? `：${subject.name}` : ''}
      </PageTitle>
      {error && (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="subject-error"
          title={s('loadFailed')}
          description={error}
        />
      )}
      {!error && !history && <Spin />}
      {subject && history && (
        <>
          <Card title={<CardTitle>{subject.name}</CardTitle>} data-testid="subject-details">
            <Descriptions
              column={{ xs: 1, md: 2 }}
              items={[
                { key: 'kind', label: t('kind'), children: label('kind', subject.kind) },
                { key: 'org', label: t('organisation'), children: text(subject.organisation) || '—' },
                {
                  key: 'ids',
                  label: s('identifiers'),
                  children: <Identifiers identifiers={subject.identifiers} />,
                },
                {
                  key: 'former',
                  label: s('formerNames'),
                  children: subject.formerNames.join('、') || '—',
                },
                { key: 'aliases', label: s('aliases'), children: subject.aliases.join('、') || '—' },
                { key: 'created', label: s('createdAt'), children: formatInstant(subject.createdAt) },
              ]}
            />
            {subject.identifiers.length > 0 && (
              <div style={{ marginTop: 16 }}>
                <RevealIdentifiers subjectId={subject.id} />
              </div>
            )}
          </Card>
          <Card title={<CardTitle>{s('history')}</CardTitle>}>
            <Typography.Paragraph type="secondary">{s('historyHelp')}</Typography.Paragraph>
            {entries.length === 0 ? (
              <Typography.Text data-testid="no-history">{s('noHistory')}</Typography.Text>
            ) : (
              <Timeline
                data-testid="subject-timeline"
                items={entries.map((entry) =>
                  entry.kind === 'case'
                    ? {
                        key: `case:${entry.item.id}`,
                        color: 'blue',
                        content: <CaseEntry item={entry.item} subjectId={subject.id} />,
                      }
                    : {
                        key: `listing:${entry.item.id}`,
                        color:
                          entry.item.listType === 'RED'
                            ? 'green'
                            : entry.item.listType === 'BLACK'
                              ? 'red'
                              : 'gray',
                        content: (
                          <Card
                            size="small"
                            data-testid="timeline-listing"
                            title={
                              <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
                                {s('listingItem')}：{label('listType', entry.item.listType)}
                              </Typography.Title>
                            }
                            extra={
                              text(entry.item.caseId) && (
                                <Link to={`/records/cases/${text(entry.item.caseId)}`}>{s('viewCase')}</Link>
                              )
                            }
                          >
                            <ListingSummary listing={entry.item} />
                          </Card>
                        ),
                      },
                )}
              />
            )}
          </Card>
        </>
      )}
    </Space>
  );
}

function CaseEntry({ item, subjectId }: { item: CaseResponseDto; subjectId: string }) {
  const s = useSectionText(messages);
  const { t } = useI18n();
  const code = useCodeLabel();
  const roles = item.subjects.find((x) => x.subjectId === subjectId)?.roles ?? [];
  return (
    <Card
      size="small"
      data-testid="timeline-case"
      title={
        <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
          {s('caseItem')}：
          <Link
            to={`/records/cases/${item.id}`}
            data-testid="timeline-case-link"
            style={{ textDecoration: 'underline' }}
          >
            {text(item.decisionNumber) || item.id}
          </Link>
        </Typography.Title>
      }
    >
      <Descriptions
        size="small"
        column={{ xs: 1, md: 2 }}
        items={[
          { key: 'authority', label: t('authority'), children: item.authority },
          {
            key: 'date',
            label: `${t('decisionDate')}（${s('effectiveDate')}）`,
            children: text(item.decisionDate) || '—',
          },
          { key: 'status', label: s('caseStatus'), children: code('caseStatus', item.status) },
          { key: 'severity', label: s('severity'), children: code('severity', item.severity) },
          {
            key: 'roles',
            label: s('subjectRoles'),
            children: roles.map((r) => <Tag key={r}>{code('caseRole', r)}</Tag>),
          },
          {
            key: 'misconduct',
            label: s('misconductTypes'),
            children: item.misconductTypes.map((m) => code('misconduct', m)).join('；'),
          },
        ]}
      />
      <MeasuresTable
        measures={item.measures.filter((m) => m.subjectId === subjectId)}
        ruleVersion={typeof item.ruleVersion === 'number' ? item.ruleVersion : undefined}
      />
    </Card>
  );
}
