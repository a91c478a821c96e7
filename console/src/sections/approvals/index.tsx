import type { Section } from '../types';

/** Not built yet: the menu shows it as 即将推出. */
export const approvals: Section = {
  key: 'approvals',
  roles: ['ADMIN', 'APPROVER'],
  title: { zh: '审批', en: 'Approvals' },
  items: [],
  routes: [],
};
