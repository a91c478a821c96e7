import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  AuditRecord,
  canonicalEntry,
  ChainLink,
  ChainVerifier,
  chainHash,
  GENESIS_HASH,
  redactChanges,
} from './audit-chain';

const entry = (seq: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  seq: String(seq),
  at: new Date(Date.UTC(2026, 5, 1, 12, 0, 0, seq)),
  actorType: 'USER',
  actorId: '5b0c3e4a-8f1d-4c2b-9e7a-1d2c3b4a5f60',
  actorName: 'li.na',
  actorRoles: ['ADMIN'],
  action: 'USER_CREATED',
  targetType: 'USER',
  targetId: `target-${seq}`,
  requestId: `req-${seq}`,
  purpose: null,
  changes: { after: { username: `user${seq}`, roles: ['RECORDER'] } },
  ...overrides,
});

/** Links as the sealer builds them: positions 1..n, each hash over the previous one. */
function buildChain(entries: AuditRecord[]): ChainLink[] {
  let prevHash: Buffer = GENESIS_HASH;
  return entries.map((e, i) => {
    const hash = chainHash(prevHash, e);
    const link = { position: String(i + 1), prevHash, hash, entry: e };
    prevHash = hash;
    return link;
  });
}

/** Runs a verifier over the links: the first break (if any) and how many links held. */
function verify(links: ChainLink[]) {
  const verifier = new ChainVerifier();
  for (const link of links) {
    const broken = verifier.check(link);
    if (broken) return { broken, verified: verifier.count };
  }
  return { broken: undefined, verified: verifier.count };
}

/** Every field of an entry changed to some other value of the same kind. */
const FIELD_CHANGES: Record<keyof AuditRecord, (e: AuditRecord) => Partial<AuditRecord>> = {
  seq: (e) => ({ seq: String(Number(e.seq) + 1000) }),
  at: (e) => ({ at: new Date(e.at.getTime() + 1) }),
  actorType: (e) => ({ actorType: e.actorType === 'USER' ? 'SYSTEM' : 'USER' }),
  actorId: (e) => ({ actorId: e.actorId === null ? 'someone' : null }),
  actorName: (e) => ({ actorName: `${e.actorName ?? ''}x` }),
  actorRoles: (e) => ({ actorRoles: [...e.actorRoles, 'AUDITOR'] }),
  action: (e) => ({ action: `${e.action}_TAMPERED` }),
  targetType: (e) => ({ targetType: e.targetType === 'USER' ? 'API_CLIENT' : 'USER' }),
  targetId: (e) => ({ targetId: `${e.targetId ?? ''}x` }),
  requestId: (e) => ({ requestId: `${e.requestId ?? ''}x` }),
  purpose: (e) => ({ purpose: e.purpose === null ? 'screening' : null }),
  changes: (e) => ({ changes: { tampered: true, was: e.changes } }),
};
const FIELDS = Object.keys(FIELD_CHANGES) as (keyof AuditRecord)[];

/** A JSON value with every object's keys in reverse order (same content, other key order). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe('canonicalEntry', () => {
  it('is the same JSON whatever the key order of `changes`', () => {
    const a = entry(1, {
      changes: { before: { b: 2, a: 1 }, after: { roles: ['X'], a: 1, b: [{ y: 1, x: 2 }] } },
    });
    const b = entry(1, {
      changes: { after: { b: [{ x: 2, y: 1 }], a: 1, roles: ['X'] }, before: { a: 1, b: 2 } },
    });
    expect(canonicalEntry(a)).toBe(canonicalEntry(b));
  });

  it('is independent of key order for any JSON `changes` (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (changes) => {
        expect(canonicalEntry(entry(7, { changes: reverseKeys(changes) }))).toBe(
          canonicalEntry(entry(7, { changes })),
        );
      }),
    );
  });

  it('sorts keys and writes the time in UTC ISO form', () => {
    const json = canonicalEntry(entry(3, { changes: { z: 1, a: 2 } }));
    expect(json.indexOf('"action"')).toBeLessThan(json.indexOf('"actorId"'));
    expect(json).toContain('"at":"2026-06-01T12:00:00.003Z"');
    expect(json).toContain('"changes":{"a":2,"z":1}');
  });

  it('treats absent changes as null', () => {
    expect(canonicalEntry(entry(1, { changes: undefined }))).toBe(
      canonicalEntry(entry(1, { changes: null })),
    );
  });
});

describe('chainHash', () => {
  it('is SHA-256 of the previous hash followed by the canonical entry', () => {
    const e = entry(1);
    const expected = createHash('sha256')
      .update(Buffer.concat([GENESIS_HASH, Buffer.from(canonicalEntry(e), 'utf8')]))
      .digest();
    expect(chainHash(GENESIS_HASH, e).equals(expected)).toBe(true);
    expect(GENESIS_HASH).toEqual(Buffer.alloc(32));
  });

  it.each(FIELDS)('changes when %s changes', (field) => {
    const e = entry(5);
    const changed = { ...e, ...FIELD_CHANGES[field](e) };
    expect(chainHash(GENESIS_HASH, changed).equals(chainHash(GENESIS_HASH, e))).toBe(false);
  });

  it('changes when the previous hash changes', () => {
    const other = Buffer.alloc(32, 1);
    expect(chainHash(other, entry(1)).equals(chainHash(GENESIS_HASH, entry(1)))).toBe(false);
  });

  it('tells an empty string from null', () => {
    const withNull = entry(1, { purpose: null });
    const withEmpty = entry(1, { purpose: '' });
    expect(chainHash(GENESIS_HASH, withNull).equals(chainHash(GENESIS_HASH, withEmpty))).toBe(false);
  });

  it('depends on the order of actor roles', () => {
    const ab = entry(1, { actorRoles: ['ADMIN', 'AUDITOR'] });
    const ba = entry(1, { actorRoles: ['AUDITOR', 'ADMIN'] });
    expect(chainHash(GENESIS_HASH, ab).equals(chainHash(GENESIS_HASH, ba))).toBe(false);
  });
});

describe('ChainVerifier', () => {
  const entries = [1, 2, 3, 4, 5, 6].map((seq) => entry(seq));

  it('accepts a chain built link by link and counts every link', () => {
    expect(verify(buildChain(entries))).toEqual({ broken: undefined, verified: 6 });
  });

  it('accepts a chain whose positions do not follow the entries seq order', () => {
    const shuffled = [entries[2], entries[0], entries[5], entries[1]];
    expect(verify(buildChain(shuffled))).toEqual({ broken: undefined, verified: 4 });
  });

  it('reports a missing position as POSITION_GAP at the position expected', () => {
    const links = buildChain(entries);
    links.splice(3, 1);
    expect(verify(links)).toEqual({
      broken: { position: '4', seq: null, reason: 'POSITION_GAP' },
      verified: 3,
    });
  });

  it('reports a chain that does not start at position 1 as POSITION_GAP at 1', () => {
    expect(verify(buildChain(entries).slice(1))).toEqual({
      broken: { position: '1', seq: null, reason: 'POSITION_GAP' },
      verified: 0,
    });
  });

  it('reports a repeated position as POSITION_GAP', () => {
    const links = buildChain(entries);
    links.splice(2, 0, links[1]);
    expect(verify(links).broken).toEqual({ position: '3', seq: null, reason: 'POSITION_GAP' });
  });

  it('reports a link whose prevHash is not the hash before it as PREV_HASH_MISMATCH', () => {
    const links = buildChain(entries);
    links[2] = { ...links[2], prevHash: Buffer.alloc(32, 7) };
    expect(verify(links)).toEqual({
      broken: { position: '3', seq: '3', reason: 'PREV_HASH_MISMATCH' },
      verified: 2,
    });
  });

  it('reports a first link that does not start from the genesis hash as PREV_HASH_MISMATCH', () => {
    const links = buildChain(entries);
    const rebased = chainHash(Buffer.alloc(32, 9), links[0].entry);
    links[0] = { ...links[0], prevHash: Buffer.alloc(32, 9), hash: rebased };
    expect(verify(links).broken).toEqual({ position: '1', seq: '1', reason: 'PREV_HASH_MISMATCH' });
  });

  it('reports an altered entry as HASH_MISMATCH at its position', () => {
    const links = buildChain(entries);
    links[4] = { ...links[4], entry: { ...links[4].entry, action: 'USER_DELETED' } };
    expect(verify(links)).toEqual({
      broken: { position: '5', seq: '5', reason: 'HASH_MISMATCH' },
      verified: 4,
    });
  });

  it('reports an altered seal hash as HASH_MISMATCH at that link, not at the next one', () => {
    const links = buildChain(entries);
    links[1] = { ...links[1], hash: Buffer.alloc(32, 3) };
    expect(verify(links)).toEqual({
      broken: { position: '2', seq: '2', reason: 'HASH_MISMATCH' },
      verified: 1,
    });
  });

  it('cannot tell a chain recomputed after an altered entry: only the head hash differs', () => {
    // Why the head is to be recorded elsewhere (GET /audit/head): it is the anchor such a rewrite breaks.
    const links = buildChain(entries);
    const forged = buildChain(entries.map((e, i) => (i === 2 ? { ...e, action: 'FORGED' } : e)));
    expect(verify(forged).broken).toBeUndefined();
    expect(forged[5].hash.equals(links[5].hash)).toBe(false);
  });

  it('reports exactly the position of any single modified entry (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.nat(),
        fc.constantFrom(...FIELDS),
        (length, pick, field) => {
          const links = buildChain(Array.from({ length }, (_, i) => entry(i + 1)));
          const index = pick % length;
          const original = links[index].entry;
          links[index] = { ...links[index], entry: { ...original, ...FIELD_CHANGES[field](original) } };
          const { broken, verified } = verify(links);
          expect(broken).toEqual({
            position: String(index + 1),
            seq: links[index].entry.seq,
            reason: 'HASH_MISMATCH',
          });
          expect(verified).toBe(index);
        },
      ),
    );
  });

  it('reports exactly the position of any removed link (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), (length, pick) => {
        const links = buildChain(Array.from({ length }, (_, i) => entry(i + 1)));
        const index = pick % (length - 1);
        links.splice(index, 1);
        expect(verify(links)).toEqual({
          broken: { position: String(index + 1), seq: null, reason: 'POSITION_GAP' },
          verified: index,
        });
      }),
    );
  });
});

describe('redactChanges', () => {
  it('masks an 18-digit resident ID: first 6 and last 4 kept', () => {
    expect(redactChanges('11010519491231002X')).toBe('110105********002X');
    expect(redactChanges('440524188001010014')).toBe('440524********0014');
  });

  it('masks a resident ID ending in a lower-case x', () => {
    expect(redactChanges('11010519491231002x')).toBe('110105********002x');
  });

  it('masks a 15-digit resident ID: first 6 and last 4 kept', () => {
    expect(redactChanges('110105491231002')).toBe('110105*****1002');
  });

  it('masks IDs inside longer strings, every occurrence', () => {
    expect(redactChanges('身份证号11010519491231002X，旧号110105491231002。')).toBe(
      '身份证号110105********002X，旧号110105*****1002。',
    );
    expect(redactChanges('a 11010519491231002X and 440524188001010014')).toBe(
      'a 110105********002X and 440524********0014',
    );
  });

  it('masks IDs in nested arrays and objects, keeping the structure', () => {
    const input = {
      after: { idNumber: '11010519491231002X', aliases: ['张某', { old: 'ID 110105491231002' }] },
      list: [['440524188001010014']],
      count: 2,
      active: true,
      none: null,
    };
    expect(redactChanges(input)).toEqual({
      after: { idNumber: '110105********002X', aliases: ['张某', { old: 'ID 110105*****1002' }] },
      list: [['440524********0014']],
      count: 2,
      active: true,
      none: null,
    });
  });

  it('does not mutate its input', () => {
    const input = { id: '11010519491231002X', password: 'secret-pw' };
    redactChanges(input);
    expect(input).toEqual({ id: '11010519491231002X', password: 'secret-pw' });
  });

  it('leaves a USCC with letters alone', () => {
    expect(redactChanges({ uscc: '91350100M000100Y43', other: '9144030071526726XG' })).toEqual({
      uscc: '91350100M000100Y43',
      other: '9144030071526726XG',
    });
  });

  // DOMAIN.md: USCCs are shown in full. A USCC may be all digits; it is no resident ID (digits 7-14
  // are no birth date and the check character differs), yet it has a resident ID's shape.
  it('leaves an all-digit USCC alone', () => {
    expect(redactChanges({ uscc: '914403001922038216' })).toEqual({ uscc: '914403001922038216' });
  });

  it('leaves longer digit runs and shorter numbers alone', () => {
    expect(redactChanges('1101051949123100211')).toBe('1101051949123100211');
    expect(redactChanges('1101051949123100')).toBe('1101051949123100');
    expect(redactChanges('13800138000')).toBe('13800138000');
  });

  it('replaces the values of secret keys, whatever their case, at any depth', () => {
    expect(
      redactChanges({
        password: 'pw-1',
        PasswordHash: '$argon2id$...',
        password_hash: '$argon2id$...',
        nested: [{ token: 't', refreshToken: 'r', accessToken: 'a', apiKey: 'k', key: 'k', secret: 's' }],
        username: 'li.na',
      }),
    ).toEqual({
      password: '[redacted]',
      PasswordHash: '[redacted]',
      password_hash: '[redacted]',
      nested: [
        {
          token: '[redacted]',
          refreshToken: '[redacted]',
          accessToken: '[redacted]',
          apiKey: '[redacted]',
          key: '[redacted]',
          secret: '[redacted]',
        },
      ],
      username: 'li.na',
    });
  });

  it('replaces a secret even when its value is an object', () => {
    expect(redactChanges({ secret: { id: '11010519491231002X' } })).toEqual({ secret: '[redacted]' });
  });

  // The names of the passwords in this codebase's own DTO (UserPasswordChangeDto).
  it('replaces passwords named as UserPasswordChangeDto names them', () => {
    expect(redactChanges({ currentPassword: 'old-password-1', newPassword: 'new-password-2' })).toEqual({
      currentPassword: '[redacted]',
      newPassword: '[redacted]',
    });
  });

  // "any string that looks like a resident ID number is masked": keys are strings too.
  it('masks resident IDs used as object keys', () => {
    expect(JSON.stringify(redactChanges({ '11010519491231002X': { match: true } }))).not.toContain(
      '11010519491231002X',
    );
  });

  it('drops undefined values and writes dates as ISO strings', () => {
    expect(redactChanges({ a: undefined, at: new Date('2026-01-02T03:04:05.006Z') })).toEqual({
      at: '2026-01-02T03:04:05.006Z',
    });
  });

  // Neighbours are anything but ASCII letters and digits: those make the run part of a longer code.
  it('never leaves an 18-character resident ID in text (property)', () => {
    // A resident ID has a birth date in characters 7–14; its check character may be mistyped.
    const id = fc
      .tuple(
        fc.stringMatching(/^[0-9]{6}$/),
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2020-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.stringMatching(/^[0-9]{3}$/),
        fc.constantFrom(...'0123456789Xx'),
      )
      .map(
        ([area, birth, sequence, check]) =>
          area + birth.toISOString().slice(0, 10).replace(/-/g, '') + sequence + check,
      );
    const text = fc.string({ unit: fc.constantFrom(...' ,;:"/，。号张某') });
    fc.assert(
      fc.property(id, text, text, (value, before, after) => {
        const out = JSON.stringify(redactChanges({ deep: [{ note: `${before}${value}${after}` }] }));
        expect(out).not.toContain(value);
        expect(out).toContain(`${value.slice(0, 6)}********${value.slice(14)}`);
      }),
    );
  });
});
