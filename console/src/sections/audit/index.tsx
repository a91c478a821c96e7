import type { Section } from '../types';

/** Not built yet: the menu shows it as 即将推出. */
export const audit: Section = {
  key: 'audit',
  roles: ['AUDITOR'],
  title: { zh: '审计', en: 'Audit' },
  items: [],
  routes: [],
};
