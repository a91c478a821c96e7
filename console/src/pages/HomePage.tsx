import { Alert, Card, Col, Row, Space, Spin, Statistic, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, call, statsControllerGetStatsOverview, type StatsOverviewDto } from '../api/client';
import { useAuth } from '../auth';
import { useI18n } from '../i18n';
import { useSectionText, type SectionMessages } from '../sections/types';

const messages: SectionMessages<
  | 'title'
  | 'asOf'
  | 'inForce'
  | 'casesPerMonth'
  | 'checksPerDay'
  | 'month'
  | 'cases'
  | 'day'
  | 'checks'
  | 'applicants'
  | 'casesChart'
  | 'checksChart'
  | 'noRole'
> = {
  zh: {
    title: '概览',
    asOf: '数据日期：{day}（北京时间）',
    inForce: '有效名单条目',
    casesPerMonth: '近12个月作出处理决定的案件',
    checksPerDay: '近30日核查情况',
    month: '月份',
    cases: '案件数',
    day: '日期',
    checks: '核查次数',
    applicants: '核查人数',
    casesChart: '近12个月每月案件数柱状图',
    checksChart: '近30日每日核查人数按结论分色柱状图',
    noRole: '您的角色目前没有可用的功能。',
  },
  en: {
    title: 'Overview',
    asOf: 'Figures for {day} (Beijing time)',
    inForce: 'Entries in force',
    casesPerMonth: 'Cases decided, last 12 months',
    checksPerDay: 'Checks, last 30 days',
    month: 'Month',
    cases: 'Cases',
    day: 'Day',
    checks: 'Checks',
    applicants: 'Applicants',
    casesChart: 'Bar chart of cases decided per month, last 12 months',
    checksChart: 'Stacked bar chart of applicants checked per day by verdict, last 30 days',
    noRole: 'Your roles have no functions here yet.',
  },
};

const VERDICT_COLOURS = { BLOCK: '#a8071a', REVIEW: '#ad6800', CLEAR: '#237804', ERROR: '#595959' } as const;
const VERDICTS = ['BLOCK', 'REVIEW', 'CLEAR', 'ERROR'] as const;

/** Bars of one or more stacked series; the data also stand in a table beside it for screen readers. */
function Bars({
  label,
  columns,
}: {
  label: string;
  columns: { key: string; parts: { value: number; colour: string }[] }[];
}) {
  const width = 640;
  const height = 160;
  const max = Math.max(1, ...columns.map((c) => c.parts.reduce((sum, p) => sum + p.value, 0)));
  const step = width / columns.length;
  return (
    <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={label} style={{ width: '100%' }}>
      <title>{label}</title>
      {columns.map((column, i) => {
        let y = height;
        return (
          <g key={column.key}>
            {column.parts.map((part, j) => {
              const h = (part.value / max) * height;
              y -= h;
              return <rect key={j} x={i * step + 2} y={y} width={step - 4} height={h} fill={part.colour} />;
            })}
            {(i === 0 || i === columns.length - 1) && (
              <text
                x={i === 0 ? 0 : width}
                y={height + 14}
                fontSize="11"
                textAnchor={i === 0 ? 'start' : 'end'}
                fill="#000"
              >
                {column.key}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** The dashboard: entries in force by list, cases per month and checks per day with their verdicts. */
export function HomePage() {
  const { me } = useAuth();
  const { label } = useI18n();
  const tt = useSectionText(messages);
  const [stats, setStats] = useState<StatsOverviewDto>();
  const [error, setError] = useState<string>();
  const staff = (me?.permissions ?? []).length > 0;

  useEffect(() => {
    if (!staff) return;
    let live = true;
    call(statsControllerGetStatsOverview())
      .then((s) => live && setStats(s))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [staff]);

  if (!staff) {
    return (
      <Card>
        <Typography.Paragraph>{tt('noRole')}</Typography.Paragraph>
      </Card>
    );
  }
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }} data-testid="dashboard">
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {tt('title')}
      </Typography.Title>
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      {!error && !stats && <Spin />}
      {stats && (
        <>
          <Typography.Text type="secondary">{tt('asOf', { day: stats.asOf })}</Typography.Text>
          <Card title={tt('inForce')} size="small">
            <Row gutter={24}>
              {(['BLACK', 'WATCH', 'RED'] as const).map((list) => (
                <Col key={list}>
                  <Statistic
                    title={label('listType', list)}
                    value={stats.listsInForce.find((l) => l.listType === list)?.entries ?? 0}
                    data-testid={`in-force-${list}`}
                  />
                </Col>
              ))}
            </Row>
          </Card>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <Card title={tt('casesPerMonth')} size="small">
                <Bars
                  label={tt('casesChart')}
                  columns={stats.casesPerMonth.map((m) => ({
                    key: m.month,
                    parts: [{ value: m.cases, colour: '#0958d9' }],
                  }))}
                />
                <Table
                  size="small"
                  pagination={false}
                  rowKey="month"
                  dataSource={stats.casesPerMonth.filter((m) => m.cases > 0)}
                  columns={[
                    { title: tt('month'), dataIndex: 'month' },
                    { title: tt('cases'), dataIndex: 'cases', align: 'right' },
                  ]}
                />
              </Card>
            </Col>
            <Col xs={24} xl={12}>
              <Card title={tt('checksPerDay')} size="small">
                <Bars
                  label={tt('checksChart')}
                  columns={stats.checksPerDay.map((d) => ({
                    key: d.day.slice(5),
                    parts: VERDICTS.map((v) => ({ value: d.verdicts[v], colour: VERDICT_COLOURS[v] })),
                  }))}
                />
                <Space wrap size="middle" aria-hidden>
                  {VERDICTS.map((v) => (
                    <span key={v}>
                      <span
                        style={{
                          display: 'inline-block',
                          width: 10,
                          height: 10,
                          background: VERDICT_COLOURS[v],
                          marginInlineEnd: 4,
                        }}
                      />
                      {label('verdict', v)}
                    </span>
                  ))}
                </Space>
                <Table
                  size="small"
                  pagination={false}
                  rowKey="day"
                  data-testid="checks-per-day"
                  dataSource={stats.checksPerDay.filter((d) => d.checks > 0)}
                  columns={[
                    { title: tt('day'), dataIndex: 'day' },
                    { title: tt('checks'), dataIndex: 'checks', align: 'right' },
                    { title: tt('applicants'), dataIndex: 'applicants', align: 'right' },
                    ...VERDICTS.map((v) => ({
                      title: label('verdict', v),
                      key: v,
                      align: 'right' as const,
                      render: (_: unknown, d: (typeof stats.checksPerDay)[number]) => d.verdicts[v],
                    })),
                  ]}
                />
              </Card>
            </Col>
          </Row>
        </>
      )}
    </Space>
  );
}
