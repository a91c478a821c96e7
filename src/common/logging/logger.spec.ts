import type { IncomingMessage } from 'node:http';
import { requestIdFor } from './logger';

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
