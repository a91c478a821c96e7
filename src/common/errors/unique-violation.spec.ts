import { QueryFailedError } from 'typeorm';
import { explainUniqueViolation, retryUniqueViolations, violatedUniqueConstraint } from './unique-violation';

const violation = (constraint: string) =>
  new QueryFailedError(
    'INSERT',
    [],
    Object.assign(new Error('duplicate key'), { code: '23505', constraint }),
  );

describe('unique violations', () => {
  it('names the violated constraint, and nothing for other errors', () => {
    expect(violatedUniqueConstraint(violation('a_key'))).toBe('a_key');
    const other = new QueryFailedError('SELECT', [], Object.assign(new Error('syntax'), { code: '42601' }));
    expect(violatedUniqueConstraint(other)).toBeUndefined();
    expect(violatedUniqueConstraint(new Error('x'))).toBeUndefined();
  });

  it('lets the explanation answer a violation of its constraint, and passes everything else on', async () => {
    const explained = new Error('explained');
    const explain = jest.fn(() => Promise.reject(explained));
    await expect(
      explainUniqueViolation('a_key', () => Promise.reject(violation('a_key')), explain),
    ).rejects.toBe(explained);
    const other = violation('b_key');
    await expect(explainUniqueViolation('a_key', () => Promise.reject(other), explain)).rejects.toBe(other);
    expect(explain).toHaveBeenCalledTimes(1);
    const unexplained = violation('a_key');
    await expect(
      explainUniqueViolation(
        'a_key',
        () => Promise.reject(unexplained),
        async () => {},
      ),
    ).rejects.toBe(unexplained);
    await expect(explainUniqueViolation('a_key', async () => 7, explain)).resolves.toBe(7);
  });

  it('runs the work again on a violation of the named constraints, up to the attempts given', async () => {
    const keys = new Set(['a_key']);
    let runs = 0;
    const losesOnce = () => (++runs === 1 ? Promise.reject(violation('a_key')) : Promise.resolve(runs));
    await expect(retryUniqueViolations(keys, 3, losesOnce)).resolves.toBe(2);

    const last = violation('a_key');
    const alwaysLoses = jest.fn(() => Promise.reject(last));
    await expect(retryUniqueViolations(keys, 3, alwaysLoses)).rejects.toBe(last);
    expect(alwaysLoses).toHaveBeenCalledTimes(3);

    const other = violation('b_key');
    const otherKey = jest.fn(() => Promise.reject(other));
    await expect(retryUniqueViolations(keys, 3, otherKey)).rejects.toBe(other);
    expect(otherKey).toHaveBeenCalledTimes(1);

    const plain = new Error('x');
    const failing = jest.fn(() => Promise.reject(plain));
    await expect(retryUniqueViolations(keys, 3, failing)).rejects.toBe(plain);
    expect(failing).toHaveBeenCalledTimes(1);
  });
});
