import { FilePdfOutlined } from '@ant-design/icons';
import { App, Button } from 'antd';
import { useState } from 'react';
import { ApiError, call, saveBlob, screeningControllerGetCheckCertificate } from '../api/client';
import { useI18n } from '../i18n';

/**
 * Downloads the signed certificate (one A4 PDF) of one applicant of a check, in the console's
 * language; the server audits the read.
 */
export function CertificateButton({
  checkId,
  applicant,
  small,
}: {
  checkId: string;
  applicant: number;
  small?: boolean;
}) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const blob = await call(
        screeningControllerGetCheckCertificate({
          path: { id: checkId },
          query: { applicant, lang: lang === 'en' ? 'en' : 'zh' },
          parseAs: 'blob',
        }),
      );
      saveBlob(blob as Blob, `certificate-${checkId}-${applicant + 1}.pdf`);
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      icon={<FilePdfOutlined />}
      size={small ? 'small' : undefined}
      className="no-print"
      loading={busy}
      data-testid={`certificate-${applicant}`}
      onClick={() => void download()}
    >
      {t('certificate')}
    </Button>
  );
}
