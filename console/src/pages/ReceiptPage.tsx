import { Alert, Card, Space, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { ApiError, call, screeningControllerGetCheck, type CheckReceiptDto } from '../api/client';
import { CheckResultView } from '../components/CheckResultView';
import { ReceiptLookup } from '../components/ReceiptLookup';
import { useI18n } from '../i18n';
import { useRuleSet } from '../rules';

export function ReceiptPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const [receipt, setReceipt] = useState<CheckReceiptDto>();
  const [error, setError] = useState<string>();
  const ruleSet = useRuleSet(receipt?.ruleVersion);

  useEffect(() => {
    let live = true;
    setReceipt(undefined);
    setError(undefined);
    call(screeningControllerGetCheck({ path: { id } }))
      .then((r) => live && setReceipt(r))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [id]);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {t('receiptTitle')}
      </Typography.Title>
      <Card className="no-print" size="small">
        <ReceiptLookup />
      </Card>
      {error && <Alert type="error" showIcon role="alert" data-testid="receipt-error" title={error} />}
      {!error && !receipt && <Spin />}
      {receipt && (
        <CheckResultView
          check={receipt}
          rules={receipt.ruleVersion === ruleSet?.version ? ruleSet.data : undefined}
          title={t('receiptTitle')}
        />
      )}
    </Space>
  );
}
