import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { EncryptionKey, Secrets } from '../config/secrets';
import { PersonalDataProtector } from './personal-data.protector';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const secrets = (keys: EncryptionKey[], hmacKey = randomBytes(32)): Secrets => ({
  jwtSecret: 'unused',
  piiHmacKey: hmacKey,
  piiEncryptionKeys: keys,
  receiptSigningKey: { kid: 'unused', seed: randomBytes(32) },
});

const RESIDENT_ID = '11010519491231002X';

describe('PersonalDataProtector', () => {
  const old = key('k2025');
  const current = key('k2026');
  const hmacKey = randomBytes(32);
  const protector = new PersonalDataProtector(secrets([current, old], hmacKey));
  const before = new PersonalDataProtector(secrets([old], hmacKey));

  describe('encryption', () => {
    it('round-trips any text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (plain) => {
          expect(protector.decrypt(protector.encrypt(plain))).toBe(plain);
        }),
      );
    });

    it('writes the documented layout with the current key id', () => {
      const blob = protector.encrypt(RESIDENT_ID);
      expect(blob[0]).toBe(1);
      expect(blob[1]).toBe(5);
      expect(blob.subarray(2, 7).toString()).toBe('k2026');
      expect(blob.length).toBe(2 + 5 + 12 + 16 + RESIDENT_ID.length);
      expect(blob.includes(Buffer.from(RESIDENT_ID))).toBe(false);
    });

    it('uses a fresh IV each time', () => {
      expect(protector.encrypt(RESIDENT_ID).equals(protector.encrypt(RESIDENT_ID))).toBe(false);
    });

    it('refuses a blob with any single byte altered', () => {
      const blob = protector.encrypt(RESIDENT_ID);
      for (let i = 0; i < blob.length; i++) {
        for (const flip of [0x01, 0x80, 0xff]) {
          const tampered = Buffer.from(blob);
          tampered[i] ^= flip;
          expect(() => protector.decrypt(tampered)).toThrow(Error);
        }
      }
    });

    it('refuses a truncated or extended blob', () => {
      const blob = protector.encrypt(RESIDENT_ID);
      for (let length = 0; length < blob.length; length++) {
        expect(() => protector.decrypt(blob.subarray(0, length))).toThrow(Error);
      }
      expect(() => protector.decrypt(Buffer.concat([blob, Buffer.from([0])]))).toThrow(/authentication/);
    });

    it('says which key failed authentication', () => {
      const blob = protector.encrypt(RESIDENT_ID);
      blob[blob.length - 1] ^= 1;
      expect(() => protector.decrypt(blob)).toThrow('failed authentication with key "k2026"');
    });

    it('names an unknown key id', () => {
      const stranger = new PersonalDataProtector(secrets([key('k2027')]));
      expect(() => stranger.decrypt(protector.encrypt(RESIDENT_ID))).toThrow(
        'encrypted with key "k2026", which PII_ENCRYPTION_KEYS does not hold',
      );
    });

    it('refuses a blob of another key with the same id', () => {
      const impostor = new PersonalDataProtector(secrets([key('k2026')]));
      expect(() => impostor.decrypt(protector.encrypt(RESIDENT_ID))).toThrow(/authentication/);
    });
  });

  describe('key rotation', () => {
    it('still decrypts blobs of the old key after a new key is prepended', () => {
      const oldBlob = before.encrypt(RESIDENT_ID);
      expect(protector.decrypt(oldBlob)).toBe(RESIDENT_ID);
      expect(protector.needsRotation(oldBlob)).toBe(true);
      expect(before.needsRotation(oldBlob)).toBe(false);
    });

    it('re-encrypts an old blob with the current key', () => {
      const rotated = protector.reencrypt(before.encrypt(RESIDENT_ID));
      expect(protector.needsRotation(rotated)).toBe(false);
      expect(protector.decrypt(rotated)).toBe(RESIDENT_ID);
      expect(() => before.decrypt(rotated)).toThrow(/does not hold/);
    });

    it('reports the current key id and never asks to rotate a fresh blob', () => {
      expect(protector.currentKeyId).toBe('k2026');
      expect(protector.needsRotation(protector.encrypt('x'))).toBe(false);
    });

    it('refuses to judge a malformed blob', () => {
      expect(() => protector.needsRotation(Buffer.from([2, 1, 65]))).toThrow(/format version/);
    });
  });

  describe('lookupHash', () => {
    it('is deterministic, 32 bytes', () => {
      const hash = protector.lookupHash('RESIDENT_ID', RESIDENT_ID);
      expect(hash).toHaveLength(32);
      expect(protector.lookupHash('RESIDENT_ID', RESIDENT_ID).equals(hash)).toBe(true);
    });

    it('does not depend on the encryption keys, so rotating them keeps look-ups working', () => {
      expect(
        before
          .lookupHash('RESIDENT_ID', RESIDENT_ID)
          .equals(protector.lookupHash('RESIDENT_ID', RESIDENT_ID)),
      ).toBe(true);
    });

    it('differs between identifier types for the same characters', () => {
      const value = 'E12345678';
      const hashes = (['RESIDENT_ID', 'USCC', 'PASSPORT', 'OTHER'] as const).map((type) =>
        protector.lookupHash(type, value).toString('hex'),
      );
      expect(new Set(hashes).size).toBe(4);
    });

    it('differs between HMAC keys', () => {
      const other = new PersonalDataProtector(secrets([current]));
      expect(
        other.lookupHash('RESIDENT_ID', RESIDENT_ID).equals(protector.lookupHash('RESIDENT_ID', RESIDENT_ID)),
      ).toBe(false);
    });

    it('differs between values', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Z0-9]{1,18}$/), fc.stringMatching(/^[A-Z0-9]{1,18}$/), (a, b) => {
          fc.pre(a !== b);
          expect(protector.lookupHash('PASSPORT', a).equals(protector.lookupHash('PASSPORT', b))).toBe(false);
        }),
      );
    });

    it.each(['11010519491231002x', ' 11010519491231002X', 'E 1234', ''])(
      'refuses %j, which is not in normal form',
      (value) => {
        expect(() => protector.lookupHash('RESIDENT_ID', value)).toThrow(/normal form/);
      },
    );
  });

  describe('mask', () => {
    it('keeps the first 6 and last 4 characters of a resident ID', () => {
      expect(protector.mask('RESIDENT_ID', RESIDENT_ID)).toBe('110105********002X');
    });

    it('shows a USCC in full', () => {
      expect(protector.mask('USCC', '91350100M000100Y43')).toBe('91350100M000100Y43');
    });

    it.each([
      ['E12345678', 'E1*****78'],
      ['AB-1234', 'AB***34'],
      ['ABCDE', 'AB*DE'],
      ['ABCD', '****'],
      ['A', '*'],
    ])('masks the passport number %s as %s', (value, masked) => {
      expect(protector.mask('PASSPORT', value)).toBe(masked);
      expect(protector.mask('OTHER', value)).toBe(masked);
    });

    it('never shows more than the kept characters, and keeps the length', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Z0-9-]{1,32}$/), (value) => {
          const masked = protector.mask('PASSPORT', value);
          expect(masked).toHaveLength(value.length);
          expect(masked).toContain('*');
          expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(4);
        }),
      );
    });
  });

  describe('protect', () => {
    it('gives the hash, a decryptable ciphertext and the masked form together', () => {
      const stored = protector.protect('RESIDENT_ID', RESIDENT_ID);
      expect(stored.hash.equals(protector.lookupHash('RESIDENT_ID', RESIDENT_ID))).toBe(true);
      expect(protector.decrypt(stored.ciphertext)).toBe(RESIDENT_ID);
      expect(stored.masked).toBe('110105********002X');
    });
  });

  describe('construction', () => {
    it.each([
      ['no encryption key', secrets([])],
      ['a 16-byte encryption key', secrets([{ id: 'short', key: randomBytes(16) }])],
      ['an empty key id', secrets([{ id: '', key: randomBytes(32) }])],
      ['a key id longer than 255 bytes', secrets([{ id: 'k'.repeat(256), key: randomBytes(32) }])],
      ['a repeated key id', secrets([key('a'), key('a')])],
      ['a 16-byte HMAC key', secrets([key('a')], randomBytes(16))],
    ])('refuses %s', (_, given) => {
      expect(() => new PersonalDataProtector(given)).toThrow(/PII_/);
    });

    it('keeps its own copy of the keys', () => {
      const mutable = key('m');
      const instance = new PersonalDataProtector(secrets([mutable]));
      const blob = instance.encrypt(RESIDENT_ID);
      mutable.key.fill(0);
      expect(instance.decrypt(blob)).toBe(RESIDENT_ID);
      expect(instance.decrypt(instance.encrypt('x'))).toBe('x');
    });
  });
});
