import { HttpStatus } from '@nestjs/common';
import fc from 'fast-check';
import { AppError } from '../common/errors/app-error';
import {
  allowedListingTransitions,
  assertCanDecideProposal,
  assertListingTransition,
  assertRepairApplicable,
  canListingTransition,
  isRepairApplicable,
  isTerminalListingStatus,
  LIST_TYPE_LABELS,
  LIST_TYPES,
  LISTING_STATUS_LABELS,
  LISTING_STATUSES,
  LISTING_TRANSITIONS,
  ListingStatus,
} from './listing-lifecycle';

/** The life of an entry written out independently of LISTING_TRANSITIONS, one allowed move a line. */
const EXPECTED_MOVES = new Set([
  'PROPOSED>ACTIVE',
  'PROPOSED>REJECTED',
  'ACTIVE>EXPIRED',
  'ACTIVE>REPAIRED',
  'ACTIVE>REVOKED',
  'EXPIRED>REPAIRED',
  'EXPIRED>REVOKED',
]);

const ALL_PAIRS: [ListingStatus, ListingStatus][] = LISTING_STATUSES.flatMap((from) =>
  LISTING_STATUSES.map((to): [ListingStatus, ListingStatus] => [from, to]),
);

const reachableFrom = (start: ListingStatus, avoiding?: ListingStatus): Set<ListingStatus> => {
  const seen = new Set<ListingStatus>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of LISTING_TRANSITIONS[queue.shift()!]) {
      if (!seen.has(next) && next !== avoiding) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
};

const caught = (fn: () => void): AppError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
};

const status = fc.constantFrom(...LISTING_STATUSES);
const listType = fc.constantFrom(...LIST_TYPES);

describe('ListType and ListingStatus', () => {
  it('names the three lists with their Chinese labels', () => {
    expect(LIST_TYPES).toEqual(['BLACK', 'WATCH', 'RED']);
    expect(LIST_TYPE_LABELS).toEqual({ BLACK: '严重失信名单', WATCH: '重点关注名单', RED: '守信激励名单' });
  });

  it('has six listing states, each with a Chinese label and a row in the table', () => {
    expect(LISTING_STATUSES).toEqual(['PROPOSED', 'ACTIVE', 'EXPIRED', 'REPAIRED', 'REVOKED', 'REJECTED']);
    expect(Object.keys(LISTING_STATUS_LABELS).sort()).toEqual([...LISTING_STATUSES].sort());
    expect(Object.keys(LISTING_TRANSITIONS).sort()).toEqual([...LISTING_STATUSES].sort());
    for (const s of LISTING_STATUSES) expect(LISTING_STATUS_LABELS[s]).toMatch(/\p{Script=Han}/u);
  });
});

describe('the transition table', () => {
  it.each(ALL_PAIRS)('%s → %s is allowed exactly when the rules say so', (from, to) => {
    const expected = EXPECTED_MOVES.has(`${from}>${to}`);
    expect(canListingTransition(from, to)).toBe(expected);
    // BLACK accepts repair, so only the table decides here.
    if (expected) expect(() => assertListingTransition(from, to, 'BLACK')).not.toThrow();
    else
      expect(caught(() => assertListingTransition(from, to, 'BLACK')).code).toBe(
        'LISTING_TRANSITION_NOT_ALLOWED',
      );
  });

  it('allows exactly the moves of the rules, no more', () => {
    const allowed = ALL_PAIRS.filter(([f, t]) => canListingTransition(f, t)).map(([f, t]) => `${f}>${t}`);
    expect(new Set(allowed)).toEqual(EXPECTED_MOVES);
  });

  it('gives terminal states no way out', () => {
    expect(LISTING_STATUSES.filter(isTerminalListingStatus)).toEqual(['REPAIRED', 'REVOKED', 'REJECTED']);
    for (const terminal of ['REPAIRED', 'REVOKED', 'REJECTED'] as const) {
      expect(allowedListingTransitions(terminal)).toEqual([]);
      for (const to of LISTING_STATUSES) expect(canListingTransition(terminal, to)).toBe(false);
    }
  });

  it('reaches every state from PROPOSED', () => {
    expect([...reachableFrom('PROPOSED')].sort()).toEqual([...LISTING_STATUSES].sort());
  });

  it('reaches EXPIRED, REPAIRED and REVOKED only through approval', () => {
    expect([...reachableFrom('PROPOSED', 'ACTIVE')].sort()).toEqual(['PROPOSED', 'REJECTED']);
  });

  it('lets a repair or revocation be recorded after the end date', () => {
    expect(allowedListingTransitions('EXPIRED')).toEqual(['REPAIRED', 'REVOKED']);
  });

  it('answers false for strings that are not states', () => {
    for (const s of ['', 'active', 'constructor', 'hasOwnProperty']) {
      expect(canListingTransition(s, 'ACTIVE')).toBe(false);
      expect(canListingTransition('PROPOSED', s)).toBe(false);
      expect(isTerminalListingStatus(s)).toBe(false);
    }
  });
});

describe('assertListingTransition', () => {
  it('answers 409 LISTING_TRANSITION_NOT_ALLOWED naming both states and the allowed targets', () => {
    const error = caught(() => assertListingTransition('REJECTED', 'ACTIVE', 'BLACK'));
    expect(error.status).toBe(HttpStatus.CONFLICT);
    expect(error.code).toBe('LISTING_TRANSITION_NOT_ALLOWED');
    expect(error.message).toContain('REJECTED');
    expect(error.message).toContain('ACTIVE');
    expect(error.details).toEqual([
      {
        field: 'status',
        code: 'LISTING_TRANSITION_NOT_ALLOWED',
        message: 'No move is allowed from REJECTED.',
      },
    ]);
    expect(caught(() => assertListingTransition('PROPOSED', 'EXPIRED', 'WATCH')).details[0].message).toBe(
      'Allowed from PROPOSED: ACTIVE, REJECTED.',
    );
  });

  it('refuses repair of a red entry with 409 REPAIR_NOT_APPLICABLE, whatever its state', () => {
    for (const from of LISTING_STATUSES) {
      const error = caught(() => assertListingTransition(from, 'REPAIRED', 'RED'));
      expect(error.status).toBe(HttpStatus.CONFLICT);
      expect(error.code).toBe('REPAIR_NOT_APPLICABLE');
    }
  });

  it('lets a red entry expire or be revoked', () => {
    expect(() => assertListingTransition('ACTIVE', 'EXPIRED', 'RED')).not.toThrow();
    expect(() => assertListingTransition('EXPIRED', 'REVOKED', 'RED')).not.toThrow();
  });

  it('throws exactly when the table or the list type forbids the move (property)', () => {
    fc.assert(
      fc.property(status, status, listType, (from, to, type) => {
        const allowed = canListingTransition(from, to) && (to !== 'REPAIRED' || type !== 'RED');
        if (allowed) expect(() => assertListingTransition(from, to, type)).not.toThrow();
        else expect(caught(() => assertListingTransition(from, to, type)).status).toBe(HttpStatus.CONFLICT);
      }),
    );
  });
});

describe('credit repair', () => {
  it('applies to the black and watch lists only', () => {
    expect(LIST_TYPES.filter(isRepairApplicable)).toEqual(['BLACK', 'WATCH']);
    expect(() => assertRepairApplicable('BLACK')).not.toThrow();
    expect(() => assertRepairApplicable('WATCH')).not.toThrow();
    const error = caught(() => assertRepairApplicable('RED'));
    expect(error.status).toBe(HttpStatus.CONFLICT);
    expect(error.code).toBe('REPAIR_NOT_APPLICABLE');
  });
});

describe('assertCanDecideProposal', () => {
  const id = fc.uuid();

  it('refuses the proposer with 403 LISTING_SELF_APPROVAL', () => {
    const error = caught(() => assertCanDecideProposal({ proposerId: 'u-1', approverId: 'u-1' }));
    expect(error.status).toBe(HttpStatus.FORBIDDEN);
    expect(error.code).toBe('LISTING_SELF_APPROVAL');
  });

  it('lets anyone else decide', () => {
    expect(() => assertCanDecideProposal({ proposerId: 'u-1', approverId: 'u-2' })).not.toThrow();
  });

  it('refuses the same id whatever its case or surrounding spaces (property)', () => {
    fc.assert(
      fc.property(id, (uuid) => {
        expect(caught(() => assertCanDecideProposal({ proposerId: uuid, approverId: uuid })).status).toBe(
          403,
        );
        expect(() =>
          assertCanDecideProposal({ proposerId: uuid, approverId: ` ${uuid.toUpperCase()}` }),
        ).toThrow(AppError);
      }),
    );
  });

  it('accepts any two different ids (property)', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        expect(() => assertCanDecideProposal({ proposerId: a, approverId: b })).not.toThrow();
      }),
    );
  });
});
