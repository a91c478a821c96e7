import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SECRETS } from '../config/config.module';
import { Env } from '../config/env';
import type { Secrets } from '../config/secrets';
import {
  JwkSet,
  KEY_ID_PATTERN,
  privateKeyFromSeed,
  publicKeyFromRaw,
  signDocument,
  signDocumentText,
  SignedDocument,
  toJwk,
  verifyDocument,
  VerifyResult,
} from './receipt-signature';

const fromBase64 = (value: string): Buffer =>
  Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

/**
 * The retired public keys of RECEIPT_VERIFY_KEYS (`kid:base64publickey,...`) by key id.
 * @throws Error on a repeated key id or a key that is not 32 bytes.
 */
export function parseVerifyKeys(value: string | undefined): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const pair of value ? value.split(',') : []) {
    const [kid, key] = pair.split(':');
    if (!KEY_ID_PATTERN.test(kid)) throw new Error(`RECEIPT_VERIFY_KEYS: "${kid}" is not a key id`);
    if (keys.has(kid)) throw new Error(`RECEIPT_VERIFY_KEYS repeats the key id "${kid}"`);
    keys.set(kid, publicKeyFromRaw(fromBase64(key)));
  }
  return keys;
}

/**
 * The receipt signing keys: the current key signs, and it and the retired public keys of
 * RECEIPT_VERIFY_KEYS verify (docs/certificates.md, rotation).
 */
@Injectable()
export class ReceiptKeys {
  readonly kid: string;
  private readonly privateKey: KeyObject;
  /** Every key that verifies, the current one first. */
  readonly verifying: ReadonlyMap<string, KeyObject>;

  /** @throws Error at start-up on a bad key, or a retired key id that is the current one's. */
  constructor(@Inject(SECRETS) secrets: Pick<Secrets, 'receiptSigningKey'>, env: Env) {
    const { kid, seed } = secrets.receiptSigningKey;
    if (!KEY_ID_PATTERN.test(kid)) throw new Error(`RECEIPT_SIGNING_KEY: "${kid}" is not a key id`);
    this.kid = kid;
    this.privateKey = privateKeyFromSeed(seed);
    const retired = parseVerifyKeys(env.RECEIPT_VERIFY_KEYS);
    if (retired.has(kid)) {
      throw new Error(
        `RECEIPT_VERIFY_KEYS holds "${kid}", the id of the current signing key: give keys new ids`,
      );
    }
    this.verifying = new Map([[kid, createPublicKey(this.privateKey)], ...retired]);
  }

  /** The document signed with the current key. */
  sign<T extends object>(document: T): SignedDocument<T> {
    return signDocument(document, this.kid, this.privateKey);
  }

  /** sign, with the signed document's JSON text (signDocumentText). */
  signText<T extends object>(document: T): { signed: SignedDocument<T>; text: string } {
    return signDocumentText(document, this.kid, this.privateKey);
  }

  /** verifyDocument with every key this service holds. */
  verify(document: unknown): VerifyResult {
    return verifyDocument(document, this.verifying);
  }

  /** The public keys, current first, as a JWK set (RFC 7517, Ed25519 per RFC 8037). */
  jwks(): JwkSet {
    return { keys: [...this.verifying].map(([kid, key]) => toJwk(kid, key)) };
  }
}
