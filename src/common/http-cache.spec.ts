import { entityTag, noneMatchHits, notModifiedSince } from './http-cache';

describe('HTTP validators', () => {
  const tag = entityTag('{"items":[]}');

  it('makes a strong tag that changes with the body', () => {
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(entityTag('{"items":[1]}')).not.toBe(tag);
  });

  it('matches If-None-Match by weak comparison, in a list, or *', () => {
    expect(noneMatchHits(tag, tag)).toBe(true);
    expect(noneMatchHits(`"x", W/${tag}`, tag)).toBe(true);
    expect(noneMatchHits('*', tag)).toBe(true);
    expect(noneMatchHits('"x"', tag)).toBe(false);
    expect(noneMatchHits(undefined, tag)).toBe(false);
  });

  it('holds If-Modified-Since to the second, and ignores a malformed date', () => {
    const modified = new Date('2026-12-03T06:00:00.750Z');
    expect(notModifiedSince('Thu, 03 Dec 2026 06:00:00 GMT', modified)).toBe(true);
    expect(notModifiedSince('Thu, 03 Dec 2026 05:59:59 GMT', modified)).toBe(false);
    expect(notModifiedSince('yesterday', modified)).toBe(false);
    expect(notModifiedSince(undefined, modified)).toBe(false);
  });
});
