import { Result } from 'antd';
import { useI18n } from '../i18n';

export function ComingSoonPage() {
  const { t } = useI18n();
  return (
    <Result
      status="info"
      title={<h1 style={{ fontSize: 22, margin: 0 }}>{t('comingSoon')}</h1>}
      subTitle={t('comingSoonText')}
    />
  );
}
