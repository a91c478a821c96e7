import type { Section } from '../types';
import { AdminPage } from './common';
import { ApiClientsPage } from './ApiClientsPage';
import { RulesPage } from './RulesPage';
import { UsersPage } from './UsersPage';

/** Administration: users, API clients and rule data (ADMIN only). */
export const admin: Section = {
  key: 'admin',
  roles: ['ADMIN'],
  title: { zh: '管理', en: 'Administration' },
  items: [
    { path: '/admin/users', label: { zh: '用户', en: 'Users' } },
    { path: '/admin/api-clients', label: { zh: 'API 客户端', en: 'API clients' } },
    { path: '/admin/rules', label: { zh: '规则数据', en: 'Rule data' } },
  ],
  routes: [
    {
      path: 'admin/users',
      element: (
        <AdminPage>
          <UsersPage />
        </AdminPage>
      ),
    },
    {
      path: 'admin/api-clients',
      element: (
        <AdminPage>
          <ApiClientsPage />
        </AdminPage>
      ),
    },
    {
      path: 'admin/rules',
      element: (
        <AdminPage>
          <RulesPage />
        </AdminPage>
      ),
    },
  ],
};
