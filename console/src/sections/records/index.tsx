import type { Section } from '../types';

/** Not built yet: the menu shows it as 即将推出. */
export const records: Section = {
  key: 'records',
  roles: ['ADMIN', 'RECORDER', 'APPROVER', 'REVIEWER'],
  title: { zh: '案件与名单', en: 'Cases and lists' },
  items: [],
  routes: [],
};
