import { Form, Input } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 按回执编号查询: opens a stored check by its receipt id. */
export function ReceiptLookup() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  return (
    <Form layout="vertical" name="receipt-lookup" className="no-print">
      <Form.Item
        label={t('receiptLookup')}
        htmlFor="receipt-lookup-id"
        validateStatus={error ? 'error' : undefined}
        help={error}
        style={{ marginBottom: 0 }}
      >
        <Input.Search
          id="receipt-lookup-id"
          placeholder={t('receiptLookupPlaceholder')}
          enterButton={t('receiptLookupButton')}
          data-testid="receipt-lookup"
          style={{ maxWidth: 520 }}
          onSearch={(value) => {
            const id = value.trim();
            if (!UUID.test(id)) return setError(t('invalidId'));
            setError(undefined);
            navigate(`/checks/${id.toLowerCase()}`);
          }}
        />
      </Form.Item>
    </Form>
  );
}
