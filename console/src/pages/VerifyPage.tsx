import { Alert, Button, Card, Descriptions, Input, Layout, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import {
  ApiError,
  call,
  receiptsControllerVerifyReceipt,
  type ReceiptVerifyResponseDto,
} from '../api/client';
import { useI18n } from '../i18n';
import { formatInstant } from '../time';

const TEXT = {
  zh: {
    title: '核查证明验证',
    intro:
      '科研诚信核查证明附有电子回执 receipt.json（在 PDF 阅读器的“附件”中）。选择或粘贴该文件，本页用登记系统公布的公开密钥核验其签名：签名有效即说明回执自签发以来未被改动。本页不查询、不显示回执以外的任何信息。',
    expected: '二维码所指回执编号',
    choose: '选择 receipt.json',
    paste: '或粘贴回执内容（JSON）',
    verify: '验证',
    notJson: '所选内容不是 JSON 文档',
    valid: '签名有效：回执为本登记系统签发，内容未被改动',
    invalid: '签名无效',
    reasons: {
      MALFORMED: '文档没有完整的签名',
      KEY_UNKNOWN: '签名所用密钥不是本登记系统公布的密钥',
      SIGNATURE_INVALID: '文档在签名后被改动',
    } as Record<string, string>,
    mismatch: '注意：回执编号与二维码所指编号不一致',
    receiptId: '回执编号',
    issuer: '签发单位',
    issuedAt: '核查时间（北京时间）',
    asOf: '核查基准日',
    purpose: '核查用途',
    applicant: '被核查对象',
    verdict: '核查结论',
    verdicts: { BLOCK: '不得参与', REVIEW: '需人工核查', CLEAR: '未发现限制', ERROR: '无法核查' } as Record<
      string,
      string
    >,
  },
  en: {
    title: 'Verify a screening certificate',
    intro:
      "A screening certificate carries its electronic receipt, receipt.json, as an attachment (see your PDF reader's attachments). Choose or paste it: this page checks its signature with the registry's published keys. A valid signature means the receipt is unchanged since it was issued. Nothing beyond the receipt is looked up or shown.",
    expected: 'Receipt the QR code names',
    choose: 'Choose receipt.json',
    paste: 'or paste the receipt (JSON)',
    verify: 'Verify',
    notJson: 'That is not a JSON document',
    valid: 'Valid signature: issued by this registry and unchanged',
    invalid: 'Invalid signature',
    reasons: {
      MALFORMED: 'The document has no complete signature',
      KEY_UNKNOWN: 'The signing key is not one this registry publishes',
      SIGNATURE_INVALID: 'The document was changed after it was signed',
    } as Record<string, string>,
    mismatch: 'Note: the receipt id differs from the one the QR code names',
    receiptId: 'Receipt',
    issuer: 'Issued by',
    issuedAt: 'Checked at (Beijing time)',
    asOf: 'As of',
    purpose: 'Purpose',
    applicant: 'Applicant',
    verdict: 'Verdict',
    verdicts: {
      BLOCK: 'Barred',
      REVIEW: 'Needs review',
      CLEAR: 'No restriction found',
      ERROR: 'Not checked',
    } as Record<string, string>,
  },
};

interface Receipt {
  id?: string;
  issuer?: { name?: string; nameEn?: string };
  issuedAt?: string;
  asOf?: string;
  purpose?: string;
  applicants?: { name?: string | null; identifier?: { masked?: string } | null; verdict?: string }[];
}

/**
 * The public page a certificate's QR code opens (`/verify?receipt=…`): no sign-in, it checks a receipt's
 * signature through POST /api/v1/receipts/verify and shows what the receipt itself says.
 */
export function VerifyPage() {
  const { lang, setLang, t } = useI18n();
  const x = TEXT[lang === 'en' ? 'en' : 'zh'];
  const expected = new URLSearchParams(window.location.search).get('receipt');
  const [source, setSource] = useState('');
  const [error, setError] = useState<string>();
  const [answer, setAnswer] = useState<{ result: ReceiptVerifyResponseDto; receipt: Receipt }>();
  const [busy, setBusy] = useState(false);

  const verify = async () => {
    setError(undefined);
    setAnswer(undefined);
    let receipt: Receipt;
    try {
      receipt = JSON.parse(source) as Receipt;
    } catch {
      setError(x.notJson);
      return;
    }
    setBusy(true);
    try {
      const result = await call(
        receiptsControllerVerifyReceipt({ body: receipt as Record<string, unknown> }),
      );
      setAnswer({ result, receipt });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const receipt = answer?.result.valid ? answer.receipt : undefined;
  return (
    <Layout style={{ minHeight: '100vh', alignItems: 'center' }}>
      <main style={{ width: 760, maxWidth: '100%', padding: 24 }}>
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Space style={{ justifyContent: 'space-between', width: '100%' }}>
            <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
              {x.title}
            </Typography.Title>
            <Button
              onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
              lang={lang === 'en' ? 'zh-CN' : 'en'}
              aria-label={`${t('langName')}: ${t('langSwitchLabel')}`}
            >
              {t('langName')}
            </Button>
          </Space>
          <Typography.Paragraph>{x.intro}</Typography.Paragraph>
          {expected && (
            <Typography.Text>
              {x.expected}：<Typography.Text code>{expected}</Typography.Text>
            </Typography.Text>
          )}
          <Card>
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Upload
                accept=".json,application/json"
                maxCount={1}
                showUploadList={false}
                beforeUpload={(file) => {
                  void file.text().then(setSource);
                  return false;
                }}
              >
                <Button data-testid="verify-choose">{x.choose}</Button>
              </Upload>
              <label htmlFor="verify-source">{x.paste}</label>
              <Input.TextArea
                id="verify-source"
                rows={8}
                value={source}
                onChange={(e) => setSource(e.target.value)}
                data-testid="verify-source"
              />
              <Button
                type="primary"
                loading={busy}
                disabled={!source.trim()}
                onClick={() => void verify()}
                data-testid="verify-submit"
              >
                {x.verify}
              </Button>
            </Space>
          </Card>
          {error && <Alert type="error" showIcon role="alert" title={error} />}
          {answer && !answer.result.valid && (
            <Alert
              type="error"
              showIcon
              role="alert"
              data-testid="verify-result"
              data-valid="false"
              title={x.invalid}
              description={x.reasons[answer.result.reason ?? ''] ?? answer.result.reason}
            />
          )}
          {receipt && (
            <Alert
              type="success"
              showIcon
              role="status"
              data-testid="verify-result"
              data-valid="true"
              title={x.valid}
              description={
                <Space orientation="vertical" style={{ width: '100%' }}>
                  {expected && receipt.id !== expected && (
                    <Typography.Text strong>{x.mismatch}</Typography.Text>
                  )}
                  <Descriptions
                    size="small"
                    column={1}
                    items={[
                      { key: 'id', label: x.receiptId, children: receipt.id },
                      {
                        key: 'issuer',
                        label: x.issuer,
                        children: lang === 'en' ? receipt.issuer?.nameEn : receipt.issuer?.name,
                      },
                      {
                        key: 'issuedAt',
                        label: x.issuedAt,
                        children: receipt.issuedAt ? formatInstant(receipt.issuedAt) : '—',
                      },
                      { key: 'asOf', label: x.asOf, children: receipt.asOf },
                      { key: 'purpose', label: x.purpose, children: receipt.purpose },
                      ...(receipt.applicants ?? []).map((a, i) => ({
                        key: `a${i}`,
                        label: `${x.applicant} ${i + 1}`,
                        children: `${a.name ?? ''} ${a.identifier?.masked ?? ''} · ${x.verdict}：${
                          x.verdicts[a.verdict ?? ''] ?? a.verdict
                        }`,
                      })),
                    ]}
                  />
                </Space>
              }
            />
          )}
        </Space>
      </main>
    </Layout>
  );
}
