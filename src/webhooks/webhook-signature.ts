import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new endpoint secret: 32 random bytes, shown to the administrator once. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret` (docs/integration.md, "Webhooks"). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * The X-Registry-Signature header: `v1=<hex>`, one per valid secret, comma-separated (during a
 * rotation's grace period the previous secret signs too, so a receiver may switch at its own pace).
 */
export function signatureHeader(secrets: readonly string[], timestamp: string, body: string): string {
  return secrets.map((s) => `v1=${webhookSignature(s, timestamp, body)}`).join(',');
}

/** Whether one of the header's `v1=` signatures is `secret`'s: what a receiver checks. */
export function verifySignatureHeader(
  header: string,
  secret: string,
  timestamp: string,
  body: string,
): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), 'hex');
  return header.split(',').some((part) => {
    const [scheme, hex] = part.trim().split('=', 2);
    if (scheme !== 'v1' || !/^[0-9a-f]{64}$/.test(hex ?? '')) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
}

/**
 * The wait before attempt `attempts + 1` after `attempts` failed ones: exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (between half and all of it) so endpoints that failed
 * together do not retry together.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
