import { Result } from 'antd';
import { useI18n } from '../i18n';

export function NotFoundPage() {
  const { t } = useI18n();
  return <Result status="404" title={<h1 style={{ fontSize: 22, margin: 0 }}>{t('notFound')}</h1>} />;
}
