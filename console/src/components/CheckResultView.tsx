import { PrinterOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, List, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { CertificateButton } from './CertificateButton';
import type { CheckReceiptDto, CheckResponseDto, CheckResultDto, RuleDataDto } from '../api/client';
import { useI18n } from '../i18n';
import { domainLabel, measureTypeLabel } from '../rules';
import { formatInstant } from '../time';

/**
 * One piece of evidence as the API sends it (src/screening/verdict.ts, VerdictEvidence). The OpenAPI
 * document types evidence as plain objects, so its shape is stated here.
 */
interface Evidence {
  kind: 'MEASURE' | 'LISTING' | 'CASE';
  recordId: string;
  subjectName: string;
  maskedIdentifier?: string;
  match: string;
  case?: { decisionNumber: string | null; authority: string; decisionDate: string | null };
  measureType?: string;
  listType?: string;
  domain: string;
  period: Period;
  effect: string;
  underObjection: boolean;
  reason: string;
}

interface Period {
  from: string | null;
  to: string | null;
  lifetime: boolean;
}

interface Incentive {
  subjectName: string;
  designationDocument: string | null;
  period: Period;
  underObjection: boolean;
}

/** High-contrast solid colours (white text): 不得参与 red, 需人工核查 orange, 未发现限制 green. */
const VERDICT_COLOURS: Record<string, string> = {
  BLOCK: '#a8071a',
  REVIEW: '#ad4e00',
  CLEAR: '#237804',
  ERROR: '#434343',
};

export function VerdictTag({ verdict, large }: { verdict: string; large?: boolean }) {
  const { label } = useI18n();
  return (
    <Tag
      data-testid="verdict"
      data-verdict={verdict}
      color={VERDICT_COLOURS[verdict]}
      variant="solid"
      style={large ? { fontSize: 22, lineHeight: '40px', padding: '0 20px', fontWeight: 600 } : undefined}
    >
      {label('verdict', verdict)}
    </Tag>
  );
}

function usePeriod() {
  const { t } = useI18n();
  return (p: Period | undefined) => {
    if (!p) return '';
    if (p.lifetime) return `${p.from ?? ''} – ${t('lifetime')}`;
    return `${p.from ?? ''} – ${p.to ?? t('openEnded')}`;
  };
}

function EvidenceList({ evidence, rules }: { evidence: Evidence[]; rules?: RuleDataDto }) {
  const { t, label, lang } = useI18n();
  const period = usePeriod();
  if (!evidence.length) return <Typography.Text type="secondary">{t('noEvidence')}</Typography.Text>;
  return (
    <List
      data-testid="evidence"
      dataSource={evidence}
      renderItem={(e, i) => (
        <List.Item key={`${e.recordId}-${i}`} data-testid="evidence-item">
          <Descriptions
            size="small"
            bordered
            column={{ xs: 1, md: 2, xl: 3 }}
            style={{ width: '100%' }}
            styles={{ label: { whiteSpace: 'nowrap' } }}
            title={
              <Space>
                <Tag>{label('evidenceKind', e.kind)}</Tag>
                <span>{e.subjectName}</span>
                {e.maskedIdentifier && (
                  <Typography.Text type="secondary">{e.maskedIdentifier}</Typography.Text>
                )}
              </Space>
            }
            items={[
              { key: 'decisionNumber', label: t('decisionNumber'), children: e.case?.decisionNumber ?? '—' },
              { key: 'authority', label: t('authority'), children: e.case?.authority ?? '—' },
              { key: 'decisionDate', label: t('decisionDate'), children: e.case?.decisionDate ?? '—' },
              ...(e.measureType
                ? [
                    {
                      key: 'measureType',
                      label: t('measureType'),
                      children: measureTypeLabel(rules, e.measureType, lang),
                    },
                  ]
                : []),
              ...(e.listType
                ? [{ key: 'listType', label: t('listType'), children: label('listType', e.listType) }]
                : []),
              { key: 'domain', label: t('domain'), children: domainLabel(rules, e.domain, lang) },
              { key: 'period', label: t('period'), children: period(e.period) },
              { key: 'effect', label: t('effect'), children: label('effect', e.effect) },
              { key: 'match', label: t('match'), children: label('match', e.match) },
              {
                key: 'underObjection',
                label: t('underObjection'),
                children: e.underObjection ? t('yes') : t('no'),
              },
              {
                key: 'reason',
                label: t('reason'),
                span: 'filled',
                children: <span lang="en">{e.reason}</span>,
              },
            ]}
          />
        </List.Item>
      )}
    />
  );
}

/** One applicant's answer: verdict, incentive, under-objection flag and evidence. */
function ApplicantResult({ result, rules }: { result: CheckResultDto; rules?: RuleDataDto }) {
  const { t } = useI18n();
  const period = usePeriod();
  const incentive = result.incentive as Incentive | undefined;
  const error = result.error as { code?: string; field?: string; message?: string } | undefined;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <VerdictTag verdict={result.verdict} large />
      {error && <Alert type="error" showIcon title={`${error.code}: ${error.message ?? ''}`} />}
      {incentive && (
        <Alert
          type="success"
          showIcon
          data-testid="incentive"
          title={t('incentive')}
          description={`${incentive.subjectName} · ${t('designationDocument')}: ${
            incentive.designationDocument ?? '—'
          } · ${period(incentive.period)}`}
        />
      )}
      {result.underObjection && (
        <Alert type="warning" showIcon data-testid="under-objection" title={t('underObjectionYes')} />
      )}
      <Typography.Title level={3} style={{ fontSize: 16 }}>
        {t('evidence')}
      </Typography.Title>
      <EvidenceList evidence={result.evidence as unknown as Evidence[]} rules={rules} />
    </Space>
  );
}

/** A check's answer (just run, or a stored receipt) with its clocks, rule version and receipt id. */
export function CheckResultView({
  check,
  rules,
  title,
}: {
  check: CheckResponseDto | CheckReceiptDto;
  rules?: RuleDataDto;
  title: string;
}) {
  const { t, label, lang } = useI18n();
  const receipt = 'answerHash' in check ? check : undefined;
  const actor = receipt?.actor as { kind?: string; name?: string; username?: string } | undefined;
  return (
    <Card
      data-testid="check-result"
      title={
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {title}
        </Typography.Title>
      }
      extra={
        <Space>
          {check.results.length === 1 && check.results[0].verdict !== 'ERROR' && (
            <CertificateButton checkId={check.id} applicant={0} />
          )}
          <Button
            icon={<PrinterOutlined />}
            className="no-print"
            data-testid="print"
            onClick={() => window.print()}
          >
            {t('print')}
          </Button>
        </Space>
      }
    >
      <Descriptions
        size="small"
        column={{ xs: 1, md: 2 }}
        style={{ marginBottom: 16 }}
        items={[
          {
            key: 'id',
            label: t('receiptId'),
            children: (
              <Space wrap>
                <Typography.Text copyable data-testid="receipt-id">
                  {check.id}
                </Typography.Text>
                {!receipt && (
                  <Link to={`/checks/${check.id}`} className="no-print" data-testid="receipt-link">
                    {t('viewReceipt')}
                  </Link>
                )}
              </Space>
            ),
          },
          { key: 'at', label: t('checkedAt'), children: formatInstant(check.at) },
          { key: 'domain', label: t('domain'), children: domainLabel(rules, check.domain, lang) },
          { key: 'asOf', label: t('asOf'), children: check.asOf },
          { key: 'knownAt', label: t('knownAt'), children: formatInstant(check.knownAt) },
          { key: 'ruleVersion', label: t('ruleVersion'), children: check.ruleVersion },
          ...(check.reference
            ? [{ key: 'reference', label: t('reference'), children: String(check.reference) }]
            : []),
          ...(check.lookbackYears !== null
            ? [{ key: 'lookbackYears', label: t('lookbackYears'), children: String(check.lookbackYears) }]
            : []),
          ...(receipt
            ? [
                { key: 'purpose', label: t('purpose'), children: receipt.purpose },
                { key: 'actor', label: t('actor'), children: actor?.name ?? actor?.username ?? '—' },
                { key: 'inputHashes', label: t('inputHashes'), children: receipt.inputHashes.length },
                {
                  key: 'answerHash',
                  label: t('answerHash'),
                  children: <Typography.Text code>{receipt.answerHash}</Typography.Text>,
                },
              ]
            : []),
          {
            key: 'counts',
            label: t('counts'),
            children: (['BLOCK', 'REVIEW', 'CLEAR', 'ERROR'] as const)
              .filter((v) => check.counts[v] > 0)
              .map((v) => `${label('verdict', v)} ${check.counts[v]}`)
              .join(' · '),
          },
        ]}
      />
      {check.results.length === 1 ? (
        <ApplicantResult result={check.results[0]} rules={rules} />
      ) : (
        <Table<CheckResultDto>
          rowKey="index"
          size="small"
          dataSource={check.results}
          pagination={{ pageSize: 20, showSizeChanger: false }}
          expandable={{
            rowExpandable: (r) => r.evidence.length > 0 || r.error !== undefined,
            expandedRowRender: (r) => <ApplicantResult result={r} rules={rules} />,
          }}
          columns={[
            { key: 'index', title: '#', render: (_, r) => r.index + 1, width: 80 },
            { key: 'ref', title: 'ref', dataIndex: 'ref' },
            { key: 'verdict', title: t('result'), render: (_, r) => label('verdict', r.verdict) },
            { key: 'evidence', title: t('evidence'), render: (_, r) => r.evidence.length },
            {
              key: 'certificate',
              title: t('certificate'),
              render: (_, r) =>
                r.verdict === 'ERROR' ? null : (
                  <CertificateButton checkId={check.id} applicant={r.index} small />
                ),
            },
          ]}
        />
      )}
    </Card>
  );
}
