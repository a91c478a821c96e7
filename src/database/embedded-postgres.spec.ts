import { sharedBuffersFor } from './embedded-postgres';

describe('sharedBuffersFor', () => {
  const GiB = 2 ** 30;

  it.each([
    [256 * 2 ** 20, '128MB'],
    [2 * GiB, '512MB'],
    [3 * GiB, '768MB'],
    [4 * GiB, '1024MB'],
    [64 * GiB, '1024MB'],
  ])('%d bytes of memory give %s', (total, expected) => {
    expect(sharedBuffersFor(total)).toBe(expected);
  });
});
