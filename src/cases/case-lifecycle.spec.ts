import { HttpStatus } from '@nestjs/common';
import fc from 'fast-check';
import { AppError } from '../common/errors/app-error';
import {
  allowedCaseTransitions,
  assertCaseTransition,
  CASE_STATUS_LABELS,
  CASE_STATUSES,
  CASE_TRANSITIONS,
  CaseStatus,
  canTransition,
  INITIAL_CASE_STATUSES,
  isDecided,
  isInitialCaseStatus,
  isTerminalCaseStatus,
} from './case-lifecycle';

/** The procedure written out independently of CASE_TRANSITIONS, one allowed move a line. */
const EXPECTED_MOVES = new Set([
  'REPORTED>ACCEPTED',
  'REPORTED>DISMISSED',
  'ACCEPTED>INVESTIGATING',
  'ACCEPTED>DISMISSED',
  'INVESTIGATING>DECIDED',
  'INVESTIGATING>DISMISSED',
  'DECIDED>REVIEW_REQUESTED',
  'DECIDED>FINAL',
  'REVIEW_REQUESTED>DECIDED',
  'REVIEW_REQUESTED>APPEALED',
  'REVIEW_REQUESTED>FINAL',
  'APPEALED>DECIDED',
  'APPEALED>FINAL',
]);

const ALL_PAIRS: [CaseStatus, CaseStatus][] = CASE_STATUSES.flatMap((from) =>
  CASE_STATUSES.map((to): [CaseStatus, CaseStatus] => [from, to]),
);

/** Every state reachable from `start` in zero or more allowed moves. */
const reachableFrom = (start: CaseStatus): Set<CaseStatus> => {
  const seen = new Set<CaseStatus>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of CASE_TRANSITIONS[queue.shift()!]) {
      if (!seen.has(next)) {
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

const status = fc.constantFrom(...CASE_STATUSES);

/** A walk of allowed moves from an initial state, stopping at a terminal state or after `maxSteps`. */
const walk = fc
  .tuple(fc.constantFrom(...INITIAL_CASE_STATUSES), fc.array(fc.nat(), { maxLength: 20 }))
  .map(([start, picks]) => {
    const path: CaseStatus[] = [start];
    for (const pick of picks) {
      const options = CASE_TRANSITIONS[path[path.length - 1]];
      if (options.length === 0) break;
      path.push(options[pick % options.length]);
    }
    return path;
  });

describe('CaseStatus', () => {
  it('lists the eight states in procedural order, each with a Chinese label', () => {
    expect(CASE_STATUSES).toEqual([
      'REPORTED',
      'ACCEPTED',
      'INVESTIGATING',
      'DECIDED',
      'REVIEW_REQUESTED',
      'APPEALED',
      'FINAL',
      'DISMISSED',
    ]);
    expect(Object.keys(CASE_STATUS_LABELS).sort()).toEqual([...CASE_STATUSES].sort());
    expect(CASE_STATUS_LABELS.REVIEW_REQUESTED).toContain('复查');
    expect(CASE_STATUS_LABELS.APPEALED).toContain('申诉');
    for (const s of CASE_STATUSES) expect(CASE_STATUS_LABELS[s]).toMatch(/\p{Script=Han}/u);
  });

  it('has a row in the transition table for every state and no other', () => {
    expect(Object.keys(CASE_TRANSITIONS).sort()).toEqual([...CASE_STATUSES].sort());
  });
});

describe('the transition table', () => {
  it.each(ALL_PAIRS)('%s → %s is allowed exactly when the procedure says so', (from, to) => {
    const expected = EXPECTED_MOVES.has(`${from}>${to}`);
    expect(canTransition(from, to)).toBe(expected);
    if (expected) expect(() => assertCaseTransition(from, to)).not.toThrow();
    else expect(() => assertCaseTransition(from, to)).toThrow(AppError);
  });

  it('allows exactly the moves of the procedure, no more', () => {
    const allowed = ALL_PAIRS.filter(([from, to]) => canTransition(from, to)).map(([f, t]) => `${f}>${t}`);
    expect(new Set(allowed)).toEqual(EXPECTED_MOVES);
    const table = CASE_STATUSES.flatMap((from) => CASE_TRANSITIONS[from].map((to) => `${from}>${to}`));
    expect(new Set(table)).toEqual(EXPECTED_MOVES);
  });

  it('never allows staying in the same state', () => {
    for (const s of CASE_STATUSES) expect(canTransition(s, s)).toBe(false);
  });

  it('gives terminal states no way out', () => {
    expect(CASE_STATUSES.filter(isTerminalCaseStatus)).toEqual(['FINAL', 'DISMISSED']);
    for (const terminal of ['FINAL', 'DISMISSED'] as const) {
      expect(allowedCaseTransitions(terminal)).toEqual([]);
      for (const to of CASE_STATUSES) expect(canTransition(terminal, to)).toBe(false);
    }
  });

  it('reaches every state from REPORTED', () => {
    expect([...reachableFrom('REPORTED')].sort()).toEqual([...CASE_STATUSES].sort());
  });

  it('reaches a terminal state from every state', () => {
    for (const s of CASE_STATUSES) {
      expect([...reachableFrom(s)].some(isTerminalCaseStatus)).toBe(true);
    }
  });

  it('reaches DISMISSED only before a decision', () => {
    const before = CASE_STATUSES.filter((s) => reachableFrom(s).has('DISMISSED') && s !== 'DISMISSED');
    expect(before.sort()).toEqual(['ACCEPTED', 'INVESTIGATING', 'REPORTED']);
    for (const s of CASE_STATUSES.filter(isDecided)) expect(reachableFrom(s).has('DISMISSED')).toBe(false);
  });

  it('answers false for strings that are not states, including Object.prototype keys', () => {
    for (const s of ['', 'reported', 'constructor', 'toString', '__proto__']) {
      expect(canTransition(s, 'ACCEPTED')).toBe(false);
      expect(canTransition('REPORTED', s)).toBe(false);
      expect(allowedCaseTransitions(s)).toEqual([]);
      expect(isTerminalCaseStatus(s)).toBe(false);
    }
  });
});

describe('initial states', () => {
  it('lets a case be created as reported, or already decided or final', () => {
    expect(INITIAL_CASE_STATUSES).toEqual(['REPORTED', 'DECIDED', 'FINAL']);
    expect(CASE_STATUSES.filter(isInitialCaseStatus)).toEqual(['REPORTED', 'DECIDED', 'FINAL']);
  });

  it('reaches every state from some initial state, and every non-initial one from REPORTED', () => {
    const fromSomeInitial = new Set(INITIAL_CASE_STATUSES.flatMap((s) => [...reachableFrom(s)]));
    expect([...fromSomeInitial].sort()).toEqual([...CASE_STATUSES].sort());
    const fromReported = reachableFrom('REPORTED');
    for (const s of CASE_STATUSES.filter((s) => !isInitialCaseStatus(s))) {
      expect(fromReported.has(s)).toBe(true);
    }
  });
});

describe('isDecided', () => {
  it('holds once a decision exists, including under review or appeal', () => {
    expect(CASE_STATUSES.filter(isDecided)).toEqual(['DECIDED', 'REVIEW_REQUESTED', 'APPEALED', 'FINAL']);
  });

  it('never goes back to undecided along any walk of allowed moves (property)', () => {
    fc.assert(
      fc.property(walk, (path) => {
        const firstDecided = path.findIndex(isDecided);
        if (firstDecided >= 0) expect(path.slice(firstDecided).every(isDecided)).toBe(true);
      }),
    );
  });
});

describe('assertCaseTransition', () => {
  it('answers 409 CASE_TRANSITION_NOT_ALLOWED naming both states and the allowed targets', () => {
    const error = caught(() => assertCaseTransition('DECIDED', 'ACCEPTED'));
    expect(error.status).toBe(HttpStatus.CONFLICT);
    expect(error.code).toBe('CASE_TRANSITION_NOT_ALLOWED');
    expect(error.message).toContain('DECIDED');
    expect(error.message).toContain('ACCEPTED');
    expect(error.details).toEqual([
      {
        field: 'status',
        code: 'CASE_TRANSITION_NOT_ALLOWED',
        message: 'Allowed from DECIDED: REVIEW_REQUESTED, FINAL.',
      },
    ]);
  });

  it('says that nothing is allowed out of a terminal state', () => {
    const error = caught(() => assertCaseTransition('FINAL', 'DECIDED'));
    expect(error.details[0].message).toBe('No move is allowed from FINAL.');
  });

  it('throws exactly when canTransition says no, and then names both states (property)', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        if (canTransition(from, to)) {
          expect(() => assertCaseTransition(from, to)).not.toThrow();
          return;
        }
        const error = caught(() => assertCaseTransition(from, to));
        expect(error.status).toBe(HttpStatus.CONFLICT);
        expect(error.message).toContain(`from ${from} `);
        expect(error.message).toContain(`to ${to} `);
        for (const target of CASE_TRANSITIONS[from]) expect(error.details[0].message).toContain(target);
      }),
    );
  });
});
