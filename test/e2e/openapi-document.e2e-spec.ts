import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from '../app';

/**
 * The console's typed API client is generated from console/openapi.json. This keeps that copy equal
 * to the document the service serves, so a changed DTO shows up as a failing test until
 * `npm run console:api` regenerates the document and the client. With UPDATE_OPENAPI=1 the test
 * writes the file instead of comparing.
 */
const DOCUMENT = join(__dirname, '..', '..', 'console', 'openapi.json');

describe('console/openapi.json', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is the OpenAPI document the service serves', async () => {
    const { body } = await request(t.http).get('/docs/openapi.json').expect(200);
    if (process.env.UPDATE_OPENAPI === '1') {
      writeFileSync(DOCUMENT, `${JSON.stringify(body, null, 2)}\n`);
      return;
    }
    expect(body).toEqual(JSON.parse(readFileSync(DOCUMENT, 'utf8')));
  });
});
