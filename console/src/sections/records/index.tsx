import type { Section } from '../types';
import { CaseNewPage } from './CaseNewPage';
import { CasePage } from './CasePage';
import { ExportPage } from './ExportPage';
import { ImportPage } from './ImportPage';
import { SubjectPage } from './SubjectPage';
import { SubjectSearchPage } from './SubjectSearchPage';

/**
 * Cases and lists: find a subject and read its whole history; a recorder records a decision with its
 * subjects and measures, or imports many from a file (both pages tell others they may not).
 */
export const records: Section = {
  key: 'records',
  roles: ['ADMIN', 'RECORDER', 'APPROVER', 'REVIEWER'],
  title: { zh: '案件与名单', en: 'Cases and lists' },
  items: [
    { path: '/records/subjects', label: { zh: '主体查询', en: 'Find subjects' } },
    { path: '/records/cases/new', label: { zh: '录入处理决定', en: 'Record a decision' } },
    { path: '/records/import', label: { zh: '批量导入处理决定', en: 'Import decisions' } },
    { path: '/records/export', label: { zh: '数据导出', en: 'Export data' } },
  ],
  routes: [
    { path: 'records/subjects', element: <SubjectSearchPage /> },
    { path: 'records/subjects/:id', element: <SubjectPage /> },
    { path: 'records/cases/new', element: <CaseNewPage /> },
    { path: 'records/cases/:id', element: <CasePage /> },
    { path: 'records/import', element: <ImportPage /> },
    { path: 'records/export', element: <ExportPage /> },
  ],
};
