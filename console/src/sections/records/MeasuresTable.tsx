import { Table, Tag } from 'antd';
import type { MeasureDto } from '../../api/client';
import { useI18n } from '../../i18n';
import { domainLabel, measureTypeLabel, useRuleSet } from '../../rules';
import { useSectionText } from '../types';
import { text } from './codes';
import { messages } from './messages';
import { Period } from './shared';

/** A case's measures: type, period (valid time), domains; the subject's name when several are named. */
export function MeasuresTable({
  measures,
  subjectNames,
  ruleVersion,
}: {
  measures: MeasureDto[];
  subjectNames?: Record<string, string>;
  ruleVersion?: number;
}) {
  const s = useSectionText(messages);
  const { lang } = useI18n();
  const rules = useRuleSet(ruleVersion)?.data;
  return (
    <Table<MeasureDto>
      rowKey="id"
      size="small"
      pagination={false}
      data-testid="measures"
      dataSource={measures}
      columns={[
        ...(subjectNames
          ? [
              {
                title: s('measureSubject'),
                dataIndex: 'subjectId',
                render: (id: string) => subjectNames[id] ?? id,
              },
            ]
          : []),
        {
          title: s('measureType'),
          dataIndex: 'type',
          render: (type: string) => (
            <span data-testid="measure-type">{measureTypeLabel(rules, type, lang)}</span>
          ),
        },
        {
          title: `${s('effectivePeriod')}（${s('effectiveDate')}）`,
          key: 'period',
          render: (_: unknown, m) => (
            <Period from={text(m.startDate)} to={text(m.endDate)} lifetime={m.lifetime} />
          ),
        },
        {
          title: s('domains'),
          dataIndex: 'domains',
          render: (domains: string[]) =>
            domains.length ? domains.map((d) => <Tag key={d}>{domainLabel(rules, d, lang)}</Tag>) : '—',
        },
        { title: s('note'), dataIndex: 'note', render: (n: unknown) => text(n) || '—' },
      ]}
    />
  );
}
