import type { IncomingMessage } from 'node:http';
import { loggedUrl, requestIdFor } from './logger';

const req = (header?: string) =>
  ({ headers: header === undefined ? {} : { 'x-request-id': header } }) as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFor', () => {
  it('keeps a plausible id sent by the caller', () => {
    expect(requestIdFor(req('call-42.a:b_C'))).toBe('call-42.a:b_C');
  });

  it('generates a UUID when none is sent', () => {
    expect(requestIdFor(req())).toMatch(UUID);
  });

  it.each(['', 'has space', 'x'.repeat(129), 'quote"s', 'line\nbreak'])(
    'replaces an implausible id %j',
    (given) => {
      expect(requestIdFor(req(given))).toMatch(UUID);
    },
  );

  it('gives different ids to different requests', () => {
    expect(requestIdFor(req())).not.toBe(requestIdFor(req()));
  });
});

describe('loggedUrl', () => {
  it('redacts the purpose of a reveal, however its name is spelt, and keeps the rest', () => {
    const path = '/api/v1/subjects/5f0c8a4e-3c1d-4b7e-9a61-2f8f3c1d9b20/identifiers/revealed';
    expect(loggedUrl(`${path}?purpose=110105198001011238`)).toBe(`${path}?purpose=[redacted]`);
    expect(loggedUrl(`${path}?p%75rpose=E1234567&purpose&page=2`)).toBe(
      `${path}?p%75rpose=[redacted]&purpose=[redacted]&page=2`,
    );
    expect(loggedUrl(path)).toBe(path);
  });

  it('masks what looks like a resident ID number anywhere else', () => {
    expect(loggedUrl('/api/v1/users?text=110105198001011238')).toBe('/api/v1/users?text=110105********1238');
  });
});
