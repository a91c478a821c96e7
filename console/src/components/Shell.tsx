import { KeyOutlined, LogoutOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Tag, Typography, type MenuProps } from 'antd';
import { useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useAuth } from '../auth';
import { useI18n } from '../i18n';
import { SECTIONS } from '../sections';
import { useBilingual } from '../sections/types';
import { ChangePasswordDialog } from './ChangePasswordDialog';

export function Shell() {
  const { me, logout, hasRole } = useAuth();
  const { t, lang, setLang, label } = useI18n();
  const location = useLocation();
  const [passwordOpen, setPasswordOpen] = useState(false);
  const text = useBilingual();

  const items: MenuProps['items'] = [{ key: '/', label: <Link to="/">{t('menuOverview')}</Link> }];
  if (hasRole('REVIEWER')) {
    items.push({
      key: 'checks',
      label: t('menuChecks'),
      type: 'group',
      children: [
        { key: '/checks/new', label: <Link to="/checks/new">{t('menuCheckNew')}</Link> },
        { key: '/checks/jobs/new', label: <Link to="/checks/jobs/new">{t('menuJobNew')}</Link> },
      ],
    });
  }
  for (const section of SECTIONS.filter((s) => s.roles.some(hasRole))) {
    items.push({
      key: section.key,
      label: text(section.title),
      type: 'group',
      children: section.items.map((item) => ({
        key: item.path,
        label: <Link to={item.path}>{text(item.label)}</Link>,
      })),
    });
  }
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header
        className="no-print"
        style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 24 }}
      >
        <SafetyCertificateOutlined style={{ color: '#fff', fontSize: 22 }} aria-hidden />
        <Typography.Text strong style={{ color: '#fff', fontSize: 18, flex: 1 }}>
          {t('appTitle')}
        </Typography.Text>
        <Space size="middle" wrap>
          <span style={{ color: '#fff' }} data-testid="user-name">
            {me?.name}
          </span>
          <span aria-label={t('roles')} data-testid="user-roles">
            {me?.permissions.map((role) => (
              <Tag key={role} color="blue">
                {label('role', role)}
              </Tag>
            ))}
          </span>
          <Button
            size="small"
            ghost
            lang={lang === 'en' ? 'zh-CN' : 'en'}
            aria-label={`${t('langName')}: ${t('langSwitchLabel')}`}
            data-testid="lang-switch"
            onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
          >
            {t('langName')}
          </Button>
          <Button
            size="small"
            ghost
            icon={<KeyOutlined />}
            data-testid="change-password"
            onClick={() => setPasswordOpen(true)}
          >
            {t('changePassword')}
          </Button>
          <Button
            size="small"
            ghost
            icon={<LogoutOutlined />}
            data-testid="logout"
            onClick={() => void logout()}
          >
            {t('logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={200} theme="light" className="no-print">
          <nav aria-label={t('appShort')}>
            <Menu
              mode="inline"
              selectedKeys={[location.pathname]}
              items={items}
              style={{ height: '100%', borderInlineEnd: 0 }}
              data-testid="side-menu"
            />
          </nav>
        </Layout.Sider>
        <Layout.Content style={{ padding: 24 }}>
          <main>
            <Outlet />
          </main>
        </Layout.Content>
      </Layout>
      <ChangePasswordDialog open={passwordOpen} onClose={() => setPasswordOpen(false)} />
    </Layout>
  );
}
