import { createHmac } from 'node:crypto';
import { retryDelayMs, signatureHeader, verifySignatureHeader, webhookSignature } from './webhook-signature';

describe('webhook signature', () => {
  it('is the hex HMAC-SHA256 of timestamp "." body', () => {
    const expected = createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex');
    expect(webhookSignature('k', '1700000000', '{"a":1}')).toBe(expected);
  });

  it('verifies any of the header signatures and refuses a changed body or another secret', () => {
    const header = signatureHeader(['new', 'old'], '1', 'body');
    expect(header).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifySignatureHeader(header, 'new', '1', 'body')).toBe(true);
    expect(verifySignatureHeader(header, 'old', '1', 'body')).toBe(true);
    expect(verifySignatureHeader(header, 'other', '1', 'body')).toBe(false);
    expect(verifySignatureHeader(header, 'new', '2', 'body')).toBe(false);
    expect(verifySignatureHeader(header, 'new', '1', 'bodY')).toBe(false);
    expect(verifySignatureHeader('v1=zz', 'new', '1', 'body')).toBe(false);
  });
});

describe('retry delay', () => {
  it('doubles from the base, stays between half and all of it, and is capped', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelayMs(4, 1000, 60_000, () => 0)).toBe(4000);
    expect(retryDelayMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
