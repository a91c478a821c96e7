import { readFile } from 'node:fs/promises';
import { keysFromJwks, verifyDocument, VerifyResult } from './receipt-signature';

/**
 * Verifies a signed document's text against a JWK set: what `npm run cli -- receipt:verify` runs,
 * with verifyDocument, the same function as POST /api/v1/receipts/verify. Text that is not JSON is
 * MALFORMED.
 */
export function verifyReceiptText(text: string, jwks: unknown): VerifyResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { valid: false, reason: 'MALFORMED' };
  }
  return verifyDocument(document, keysFromJwks(jwks));
}

/**
 * A JWK set from a file, or from a URL (the published GET /api/v1/receipts/keys, fetched once; the
 * verification itself stays offline).
 * @throws Error when it cannot be read or is not JSON.
 */
export async function loadJwks(source: string): Promise<unknown> {
  if (/^https?:\/\//i.test(source)) {
    const response = await fetch(source, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return response.json();
  }
  return JSON.parse(await readFile(source, 'utf8'));
}

/** One line about a verification, for people. */
export function describeReceiptVerification(file: string, result: VerifyResult): string {
  if (result.valid) return `${file}: valid (signed with key ${result.kid})`;
  const why = {
    MALFORMED: 'not a signed document (no well-formed signature, or not JSON)',
    KEY_UNKNOWN: `signed with key ${result.kid ?? '?'}, which the key set does not hold`,
    SIGNATURE_INVALID: 'the signature does not match: the document was changed after signing',
  }[result.reason];
  return `${file}: INVALID ${result.reason}: ${why}`;
}
