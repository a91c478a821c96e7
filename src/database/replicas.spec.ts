import fc from 'fast-check';
import { caughtUpAt, parseLsn, replicaState, replicaTransition } from './replicas';

describe('parseLsn', () => {
  it('reads both halves of a WAL position as one 64-bit number', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(parseLsn(' 1/a ')).toBe((1n << 32n) | 10n);
    for (const bad of ['', 'yesterday', '1/', '/1', '1/2/3', '123456789/0', '0x1/2', '-1/2']) {
      expect(parseLsn(bad)).toBeUndefined();
    }
  });

  it('orders positions as PostgreSQL does (property)', () => {
    const half = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(half, half, half, half, (a, b, c, d) => {
        const text = (hi: number, lo: number) =>
          `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
        const left = parseLsn(text(a, b))!;
        const right = parseLsn(text(c, d))!;
        expect(left < right).toBe(a < c || (a === c && b < d));
      }),
    );
  });
});

describe('caughtUpAt', () => {
  const samples = [
    { at: 1000, lsn: 100n },
    { at: 1200, lsn: 150n },
    { at: 1400, lsn: 150n },
    { at: 1600, lsn: 300n },
  ];

  it('is the time of the newest primary sample the replica has replayed', () => {
    expect(caughtUpAt(samples, 99n)).toBeUndefined();
    expect(caughtUpAt(samples, 100n)).toBe(1000);
    expect(caughtUpAt(samples, 200n)).toBe(1400); // nothing written between 1200 and 1400
    expect(caughtUpAt(samples, 300n)).toBe(1600);
  });
});

describe('replica states and their log lines', () => {
  it('names what the last poll found, the lag bound included', () => {
    expect(replicaState({ reached: false, standby: false }, 1000)).toBe('UNREACHABLE');
    expect(replicaState({ reached: true, standby: false, lagMs: 0 }, 1000)).toBe('NOT_A_STANDBY');
    expect(replicaState({ reached: true, standby: true }, 1000)).toBe('LAGGING');
    expect(replicaState({ reached: true, standby: true, lagMs: 1001 }, 1000)).toBe('LAGGING');
    expect(replicaState({ reached: true, standby: true, lagMs: 1000 }, 1000)).toBe('IN_USE');
  });

  it('logs a change once, warns when checks skip the replica, and keeps a healthy start quiet', () => {
    expect(replicaTransition('replica-1', undefined, 'IN_USE', 1000)).toBeUndefined();
    expect(replicaTransition('replica-1', 'IN_USE', 'IN_USE', 1000)).toBeUndefined();
    expect(replicaTransition('replica-1', undefined, 'UNREACHABLE', 1000)).toEqual({
      level: 'warn',
      message: 'replica-1 unreachable: checks skip it',
    });
    expect(replicaTransition('replica-2', 'IN_USE', 'LAGGING', 250)).toEqual({
      level: 'warn',
      message: 'replica-2 lagging more than 250 ms: checks skip it',
    });
    expect(replicaTransition('replica-2', 'LAGGING', 'IN_USE', 250)).toEqual({
      level: 'log',
      message: 'replica-2 in use for checks again',
    });
    expect(replicaTransition('replica-1', 'UNREACHABLE', 'NOT_A_STANDBY', 1000)?.level).toBe('warn');
  });
});
