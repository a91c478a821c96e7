import type { Section } from '../types';
import { AuditTrailPage } from './AuditTrailPage';
import { messages } from './messages';

/** The audit trail for auditors: entries filtered and exported, the chain verified, its head shown. */
export const audit: Section = {
  key: 'audit',
  roles: ['AUDITOR'],
  title: { zh: '审计', en: 'Audit' },
  items: [
    { path: '/audit', label: { zh: messages.zh.menuTrail, en: messages.en.menuTrail } },
    // The export page lives in the records section, which auditors do not see; they may export.
    { path: '/records/export', label: { zh: '数据导出', en: 'Export data' } },
  ],
  routes: [{ path: 'audit', element: <AuditTrailPage /> }],
};
