#!/usr/bin/env node
/**
 * Mirrors the registry's change feed into a JSON file: plain Node 20+, no dependencies.
 *
 *   REGISTRY_URL=https://registry.example.gov.cn REGISTRY_API_KEY=… node examples/mirror-feed.mjs mirror.json
 *
 * The file holds the cursor and the latest state of every entity (subjects, cases, measures, list
 * entries). It is rewritten atomically (a temporary file renamed over it) after each page, cursor
 * and states together, so a crash at any moment resumes from a consistent point: the page after the
 * stored cursor. Feed rows carry the whole state of their entity, so applying one twice is harmless.
 *
 * Options (environment): ONCE=1 stops when caught up instead of long-polling for ever; WAIT seconds
 * of long poll (default 25); LIMIT rows a page (default 500).
 */
/* global fetch, AbortSignal */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const base = (process.env.REGISTRY_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const key = process.env.REGISTRY_API_KEY;
const file = process.argv[2] ?? 'mirror.json';
const once = process.env.ONCE === '1';
const wait = Number(process.env.WAIT ?? 25);
const limit = Number(process.env.LIMIT ?? 500);

if (!key) {
  process.stderr.write('REGISTRY_API_KEY is required: an API client with the changes:read scope\n');
  process.exit(2);
}

async function load() {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    return { cursor: '0', entities: { SUBJECT: {}, CASE: {}, MEASURE: {}, LISTING: {} } };
  }
}

async function save(mirror) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(mirror));
  await rename(tmp, file);
}

async function page(after, waitSeconds) {
  const url = `${base}/api/v1/changes?after=${after}&limit=${limit}&wait=${waitSeconds}`;
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetch(url, {
        headers: { 'X-Api-Key': key },
        signal: AbortSignal.timeout((waitSeconds + 30) * 1000),
      });
    } catch (error) {
      res = { ok: false, status: 0, error };
    }
    if (res.ok) return res.json();
    if (res.status === 409) {
      // CHANGE_CURSOR_UNKNOWN: the cursor is not this registry's (or it was restored from a backup).
      throw new Error('the registry does not know the stored cursor: delete the mirror file and start again');
    }
    if (res.status === 401 || res.status === 403) throw new Error(`the API key was refused (${res.status})`);
    // 429, 5xx or the network: back off and try again; the cursor has not moved.
    const retryAfter = Number(res.headers?.get?.('retry-after')) || 0;
    const delay = Math.max(retryAfter * 1000, Math.min(30_000, 500 * 2 ** attempt));
    process.stderr.write(`feed unavailable (${res.status || res.error?.message}); retrying in ${delay} ms\n`);
    await sleep(delay);
  }
}

const mirror = await load();
for (;;) {
  const { items, next } = await page(mirror.cursor, once ? 0 : wait);
  for (const change of items) {
    const kind = (mirror.entities[change.entityType] ??= {});
    if (change.state === null) delete kind[change.entityId];
    else kind[change.entityId] = { ...change.state, cursor: change.cursor, ruleVersion: change.ruleVersion };
  }
  if (items.length > 0) {
    mirror.cursor = next;
    await save(mirror);
    process.stdout.write(`${items.length} changes applied, cursor ${next}\n`);
  } else if (once) {
    await save(mirror);
    break;
  }
}
