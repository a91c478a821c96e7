import type { Section } from '../types';
import { InboxPage } from './InboxPage';
import { ListingPage } from './ListingPage';
import { MattersPage } from './MattersPage';

/** 审批: the approver's inbox, one entry's decisions, and entries under objection. */
export const approvals: Section = {
  key: 'approvals',
  roles: ['ADMIN', 'APPROVER'],
  title: { zh: '审批', en: 'Approvals' },
  items: [
    { path: '/approvals', label: { zh: '待审批', en: 'Awaiting approval' } },
    { path: '/approvals/matters', label: { zh: '异议与信用修复', en: 'Objections and repair' } },
  ],
  routes: [
    { path: 'approvals', element: <InboxPage /> },
    { path: 'approvals/listings/:id', element: <ListingPage /> },
    { path: 'approvals/matters', element: <MattersPage /> },
  ],
};
