import { Descriptions, Space, Tag, Timeline, Typography } from 'antd';
import type { ListingDetailsDto } from '../../api/client';
import { useI18n } from '../../i18n';
import { formatInstant } from '../../time';
import { useSectionText } from '../types';
import { text, useCodeLabel } from './codes';
import { messages } from './messages';
import { Period, YesNo } from './shared';

const LIST_COLOURS: Record<string, string> = { BLACK: 'black', WATCH: 'orange', RED: 'red' };

/** One list entry: its type, period, status, and its events with both clocks. */
export function ListingSummary({ listing }: { listing: ListingDetailsDto }) {
  const s = useSectionText(messages);
  const { t, label } = useI18n();
  const code = useCodeLabel();
  return (
    <Space orientation="vertical" size="small" style={{ width: '100%' }} data-testid="listing">
      <Space wrap>
        <Tag
          color={LIST_COLOURS[listing.listType]}
          data-testid="listing-type"
          data-list-type={listing.listType}
        >
          {label('listType', listing.listType)}
        </Tag>
        <Tag data-testid="listing-status" data-status={listing.status}>
          {code('listingStatus', listing.status)}
        </Tag>
      </Space>
      <Descriptions
        size="small"
        column={{ xs: 1, md: 2 }}
        items={[
          {
            key: 'period',
            label: `${s('effectivePeriod')}（${s('effectiveDate')}）`,
            children: <Period from={listing.effectiveFrom} to={text(listing.effectiveTo)} />,
          },
          {
            key: 'terminated',
            label: s('terminatedFrom'),
            children: text(listing.terminatedFrom) || '—',
          },
          { key: 'inForce', label: s('inForceToday'), children: <YesNo value={listing.inForceToday} /> },
          {
            key: 'objection',
            label: t('underObjection'),
            children: <YesNo value={listing.underObjection} />,
          },
          {
            key: 'proposedAt',
            label: `${s('proposedAt')}（${s('recordedAt')}）`,
            children: formatInstant(listing.proposedAt),
          },
          ...(text(listing.designationDocument)
            ? [{ key: 'doc', label: t('designationDocument'), children: text(listing.designationDocument) }]
            : []),
        ]}
      />
      <Typography.Text strong>{s('events')}</Typography.Text>
      <Timeline
        data-testid="listing-events"
        items={listing.history.map((e, i) => ({
          key: i,
          content: (
            <div data-testid="listing-event" data-status={e.status}>
              <strong>{code('listingStatus', e.status)}</strong>
              <div>
                {s('recordedAt')}：{formatInstant(e.recordedAt)}
              </div>
              {(text(e.effectiveFrom) || text(e.effectiveTo)) && (
                <div>
                  {s('effectiveDate')}：<Period from={text(e.effectiveFrom)} to={text(e.effectiveTo)} />
                </div>
              )}
              {text(e.effectiveDate) && (
                <div>
                  {s('effectiveDate')}：{text(e.effectiveDate)}
                </div>
              )}
              {text(e.reason) && (
                <div>
                  {s('reason')}：{text(e.reason)}
                </div>
              )}
            </div>
          ),
        }))}
      />
    </Space>
  );
}
