import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Name keys (src/subjects/name-key.ts) now leave out Unicode format characters (category Cf: zero-width
 * spaces and joiners, direction marks, soft hyphens), and names are stored without them. Keys stored
 * before still hold them, so a subject recorded as "张\u200b三" would never match "张三": the keys of
 * every name holding one are computed again. The names themselves stay as they were recorded.
 *
 * Both forms of the key are written out here, not imported from src/, because a migration is history.
 */
const IGNORED_BEFORE = /[\p{P}\p{S}\p{Z}\s]/gu;
const FORMAT = /\p{Cf}/gu;
const keyBefore = (name: string): string => name.normalize('NFKC').toLowerCase().replace(IGNORED_BEFORE, '');
const keyAfter = (name: string): string => keyBefore(name).replace(FORMAT, '');

/**
 * A PostgreSQL bracket expression matching any format character: its regular expressions have no
 * \p{Cf}, so the class is spelt out, range by range, from JavaScript's.
 */
function formatCharacterClass(): string {
  const ranges: string[] = [];
  let start: number | undefined;
  for (let cp = 0; cp <= 0x110000; cp++) {
    const isFormat = cp < 0x110000 && /\p{Cf}/u.test(String.fromCodePoint(cp));
    if (isFormat && start === undefined) start = cp;
    if (!isFormat && start !== undefined) {
      const first = String.fromCodePoint(start);
      ranges.push(cp - 1 === start ? first : `${first}-${String.fromCodePoint(cp - 1)}`);
      start = undefined;
    }
  }
  return `[${ranges.join('')}]`;
}

/** Writes `key(name)` as the key of every subject name and organisation holding a format character. */
async function recomputeKeys(q: QueryRunner, key: (name: string) => string): Promise<void> {
  const format = formatCharacterClass();
  const subjects: { id: string; name: string; organisation: string | null }[] = await q.query(
    'SELECT id, name, organisation FROM subject WHERE name ~ $1 OR organisation ~ $1',
    [format],
  );
  if (subjects.length > 0) {
    await q.query(
      `UPDATE subject s SET name_key = x.name_key, organisation_key = x.organisation_key
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(id, name_key, organisation_key)
       WHERE s.id = x.id`,
      [
        subjects.map((s) => s.id),
        subjects.map((s) => key(s.name)),
        subjects.map((s) => (s.organisation === null ? null : key(s.organisation))),
      ],
    );
  }
  const names: { id: string; name: string }[] = await q.query(
    'SELECT id, name FROM subject_name WHERE name ~ $1',
    [format],
  );
  if (names.length > 0) {
    await q.query(
      `UPDATE subject_name n SET name_key = x.name_key
       FROM unnest($1::bigint[], $2::text[]) AS x(id, name_key) WHERE n.id = x.id`,
      [names.map((n) => n.id), names.map((n) => key(n.name))],
    );
  }
}

export class StripFormatCharactersFromNameKeys1764301000000 implements MigrationInterface {
  name = 'StripFormatCharactersFromNameKeys1764301000000';

  async up(q: QueryRunner): Promise<void> {
    await recomputeKeys(q, keyAfter);
  }

  async down(q: QueryRunner): Promise<void> {
    await recomputeKeys(q, keyBefore);
  }
}
