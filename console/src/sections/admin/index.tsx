import type { Section } from '../types';

/** Not built yet: the menu shows it as 即将推出. */
export const admin: Section = {
  key: 'admin',
  roles: ['ADMIN'],
  title: { zh: '管理', en: 'Administration' },
  items: [],
  routes: [],
};
