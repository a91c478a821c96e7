import { Card, Typography } from 'antd';
import { Navigate } from 'react-router-dom';
import { useAuth } from '../auth';
import { useI18n } from '../i18n';

export function HomePage() {
  const { me, hasRole } = useAuth();
  const { t } = useI18n();
  if (hasRole('REVIEWER')) return <Navigate to="/checks/new" replace />;
  return (
    <Card>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('welcome')}，{me?.name}
      </Typography.Title>
      <Typography.Paragraph>{t('noFunctions')}</Typography.Paragraph>
    </Card>
  );
}
