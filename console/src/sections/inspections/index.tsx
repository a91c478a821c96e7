import type { Section } from '../types';
import { messages } from './messages';
import { PlanPage } from './PlanPage';
import { PlansPage } from './PlansPage';
import { PoolsPage } from './PoolsPage';

/**
 * Random inspections (双随机一公开): recorders upload pools and draft plans and record findings;
 * approvers approve, draw, redraw and close (docs/inspections.md).
 */
export const inspections: Section = {
  key: 'inspections',
  roles: ['RECORDER', 'APPROVER', 'ADMIN'],
  title: { zh: '双随机检查', en: 'Random inspections' },
  items: [
    { path: '/inspections/plans', label: { zh: messages.zh.menuPlans, en: messages.en.menuPlans } },
    { path: '/inspections/pools', label: { zh: messages.zh.menuPools, en: messages.en.menuPools } },
  ],
  routes: [
    { path: 'inspections/pools', element: <PoolsPage /> },
    { path: 'inspections/plans', element: <PlansPage /> },
    { path: 'inspections/plans/:id', element: <PlanPage /> },
  ],
};
