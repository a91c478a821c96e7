import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EncryptionKey, Secrets } from '../config/secrets';
import {
  IdentifierType,
  normalizeResidentId,
  normalizeUscc,
  residentIdCheckChar,
} from '../identifiers/identifiers';

/** What is stored for one identifier (docs/personal-data.md). */
export interface ProtectedIdentifier {
  /** Keyed hash for exact-match look-ups (`bytea`, indexed). */
  hash: Buffer;
  /** AES-256-GCM ciphertext, decrypted only for authorised display. */
  ciphertext: Buffer;
  /** The form everybody else sees. */
  masked: string;
}

const FORMAT_VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
/** Shorter HMAC keys weaken the look-up hash against guessing: resident IDs have little entropy. */
const MIN_HMAC_KEY_LENGTH = 32;
const MAX_KEY_ID_LENGTH = 255;

interface BlobParts {
  keyId: string;
  keyIdBytes: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * Protects personal identifiers at rest: a keyed hash to find them, authenticated encryption to show
 * them to authorised people, and a masked form for everyone else.
 *
 * Blob layout (version 1): version byte, key-id length byte, key id (ASCII), 12-byte IV, 16-byte GCM tag,
 * ciphertext. The key id is the GCM additional data, so a blob cannot be passed off as another key's.
 *
 * Every method expects the normal form from `normalizeIdentifier`: the hash is an exact match, so
 * `11010519491231002x` and `11010519491231002X` would otherwise never find each other.
 */
@Injectable()
export class PersonalDataProtector {
  private readonly hmacKey: Buffer;
  private readonly currentKey: EncryptionKey;
  private readonly keysById: ReadonlyMap<string, Buffer>;

  /** @throws Error at start-up when a key has the wrong length or an id cannot be stored in a blob. */
  constructor(secrets: Pick<Secrets, 'piiHmacKey' | 'piiEncryptionKeys'>) {
    if (secrets.piiHmacKey.length < MIN_HMAC_KEY_LENGTH) {
      throw new Error(`PII_HMAC_KEY must be at least ${MIN_HMAC_KEY_LENGTH} bytes`);
    }
    if (secrets.piiEncryptionKeys.length === 0) throw new Error('PII_ENCRYPTION_KEYS holds no key');
    const keys = new Map<string, Buffer>();
    for (const { id, key } of secrets.piiEncryptionKeys) {
      const idLength = Buffer.byteLength(id, 'utf8');
      if (idLength === 0 || idLength > MAX_KEY_ID_LENGTH) {
        throw new Error(`PII_ENCRYPTION_KEYS: a key id must be 1 to ${MAX_KEY_ID_LENGTH} bytes`);
      }
      if (key.length !== KEY_LENGTH) {
        throw new Error(`PII_ENCRYPTION_KEYS: key "${id}" must be ${KEY_LENGTH} bytes, not ${key.length}`);
      }
      if (keys.has(id)) throw new Error(`PII_ENCRYPTION_KEYS repeats the key id "${id}"`);
      keys.set(id, Buffer.from(key));
    }
    this.hmacKey = Buffer.from(secrets.piiHmacKey);
    const currentId = secrets.piiEncryptionKeys[0].id;
    this.currentKey = { id: currentId, key: keys.get(currentId)! };
    this.keysById = keys;
  }

  /** The id of the key new blobs are encrypted with. */
  get currentKeyId(): string {
    return this.currentKey.id;
  }

  /**
   * HMAC-SHA256 of `TYPE:value`, for exact-match indexed look-ups. The type is part of the message so
   * a passport number that happens to spell a resident ID never matches it.
   */
  lookupHash(type: IdentifierType, normalizedValue: string): Buffer {
    assertNormalised(normalizedValue);
    return createHmac('sha256', this.hmacKey).update(`${type}:${normalizedValue}`, 'utf8').digest();
  }

  /**
   * A keyed hash of any text in a separate domain from identifier look-ups: what a screening receipt
   * keeps of each applicant's input, so an input can be shown to match without being stored.
   */
  inputHash(text: string): Buffer {
    return createHmac('sha256', this.hmacKey).update(`INPUT:${text}`, 'utf8').digest();
  }

  /** Encrypts with the current key and a fresh random IV. */
  encrypt(plain: string): Buffer {
    const { id, key } = this.currentKey;
    const keyIdBytes = Buffer.from(id, 'utf8');
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(keyIdBytes);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const header = Buffer.from([FORMAT_VERSION, keyIdBytes.length]);
    return Buffer.concat([header, keyIdBytes, iv, cipher.getAuthTag(), ciphertext]);
  }

  /**
   * Decrypts a blob made by `encrypt` with any configured key.
   * @throws Error when the blob is malformed, its key is not configured, or it was altered.
   */
  decrypt(blob: Buffer): string {
    const { keyId, keyIdBytes, iv, tag, ciphertext } = parseBlob(blob);
    const key = this.keysById.get(keyId);
    if (!key) {
      throw new Error(
        `Personal data is encrypted with key "${keyId}", which PII_ENCRYPTION_KEYS does not hold`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(keyIdBytes);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Node's message ("Unsupported state or unable to authenticate data") does not say what to check.
      throw new Error(
        `Encrypted personal data failed authentication with key "${keyId}": altered or corrupt`,
      );
    }
  }

  /** Whether a blob was encrypted with a key other than the current one, and so should be re-encrypted. */
  needsRotation(blob: Buffer): boolean {
    return parseBlob(blob).keyId !== this.currentKey.id;
  }

  /** Decrypts with whichever key made the blob and encrypts again with the current key (fresh IV). */
  reencrypt(blob: Buffer): Buffer {
    return this.encrypt(this.decrypt(blob));
  }

  /**
   * The form shown to people not authorised to see the identifier. Resident ID: first 6 and last 4
   * kept (`110105********002X`). USCC: in full, organisations' codes are public. Passport and other:
   * first 2 and last 2 kept, at least one `*`; 4 characters or fewer are masked entirely.
   */
  mask(type: IdentifierType, normalizedValue: string): string {
    switch (type) {
      case IdentifierType.RESIDENT_ID:
        return maskMiddle(normalizedValue, 6, 4);
      case IdentifierType.USCC:
        return normalizedValue;
      case IdentifierType.PASSPORT:
      case IdentifierType.OTHER:
        return maskMiddle(normalizedValue, 2, 2);
      default: {
        const unknown: never = type;
        throw new RangeError(`Unknown identifier type ${String(unknown)}`);
      }
    }
  }

  /** The hash, ciphertext and masked form of one normalised identifier, as stored together. */
  protect(type: IdentifierType, normalizedValue: string): ProtectedIdentifier {
    return {
      hash: this.lookupHash(type, normalizedValue),
      ciphertext: this.encrypt(normalizedValue),
      masked: this.mask(type, normalizedValue),
    };
  }
}

/**
 * Keeps `head` and `tail` characters and stars the rest; a value too short to leave at least one star
 * is starred entirely, since showing all but one character would show almost everything.
 */
/** Keeps `head` and `tail` characters and stars the rest (all of it when it is that short). */
export function maskMiddle(value: string, head: number, tail: number): string {
  if (value.length <= head + tail) return '*'.repeat(value.length);
  return value.slice(0, head) + '*'.repeat(value.length - head - tail) + value.slice(value.length - tail);
}

const ID_CANDIDATE = /(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])/g;

/** Whether characters 7–14 of an 18-character code are a real birth date, as in a resident ID. */
const hasBirthDate = (id: string): boolean =>
  normalizeResidentId(id).ok ||
  normalizeResidentId(id.slice(0, 17) + residentIdCheckChar(id.slice(0, 17))).ok;

/**
 * Masks what may be a resident ID number in free text: every 18- or 15-digit run, even with a wrong
 * check character, except an 18-character code that is a valid USCC and has no birth date where a
 * resident ID has one (organisations' codes are public, DOMAIN.md). The safety net of the audit trail
 * and of every error answer, whatever the text quotes.
 */
export function maskResidentIdsIn(text: string): string {
  return text.replace(ID_CANDIDATE, (id) => {
    if (id.length === 18 && normalizeUscc(id).ok && !hasBirthDate(id)) return id;
    return id.length === 18
      ? `${id.slice(0, 6)}********${id.slice(14)}`
      : `${id.slice(0, 6)}*****${id.slice(11)}`;
  });
}

/**
 * Catches the common slip of hashing user input instead of its normal form, which would store a hash
 * that no look-up ever finds. Validity is the caller's business: a USCC accepted despite a failed
 * organisation-code check is still hashed.
 */
function assertNormalised(value: string): void {
  if (value.length === 0 || value !== value.toUpperCase() || /\s/.test(value)) {
    throw new Error('Identifier is not in normal form: pass the value returned by normalizeIdentifier');
  }
}

function parseBlob(blob: Buffer): BlobParts {
  if (blob.length < 2 || blob[0] !== FORMAT_VERSION) {
    throw new Error('Encrypted personal data has an unknown format version');
  }
  const keyIdEnd = 2 + blob[1];
  if (blob[1] === 0 || blob.length < keyIdEnd + IV_LENGTH + TAG_LENGTH) {
    throw new Error('Encrypted personal data is truncated');
  }
  const keyIdBytes = blob.subarray(2, keyIdEnd);
  const ivEnd = keyIdEnd + IV_LENGTH;
  const tagEnd = ivEnd + TAG_LENGTH;
  return {
    keyId: keyIdBytes.toString('utf8'),
    keyIdBytes,
    iv: blob.subarray(keyIdEnd, ivEnd),
    tag: blob.subarray(ivEnd, tagEnd),
    ciphertext: blob.subarray(tagEnd),
  };
}
