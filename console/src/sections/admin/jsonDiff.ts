// A small recursive diff of two JSON values, for comparing rule data versions. Paths are dotted with
// array indices, as the API names fields in its errors (`measureTypes.3.allowedDomains.0`).

export type JsonDiffKind = 'added' | 'removed' | 'changed';

export interface JsonDiffEntry {
  path: string;
  kind: JsonDiffKind;
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** Every difference between `before` and `after`, in document order; [] when they are equal. */
export function jsonDiff(before: unknown, after: unknown, path = ''): JsonDiffEntry[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: JsonDiffEntry[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.push({ path: join(path, i), kind: 'removed', before: before[i] });
      else if (i >= before.length) out.push({ path: join(path, i), kind: 'added', after: after[i] });
      else out.push(...jsonDiff(before[i], after[i], join(path, i)));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const out: JsonDiffEntry[] = [];
    for (const key of Object.keys(before)) {
      if (!(key in after)) out.push({ path: join(path, key), kind: 'removed', before: before[key] });
      else out.push(...jsonDiff(before[key], after[key], join(path, key)));
    }
    for (const key of Object.keys(after)) {
      if (!(key in before)) out.push({ path: join(path, key), kind: 'added', after: after[key] });
    }
    return out;
  }
  if (Object.is(before, after)) return [];
  return [{ path: path || '(root)', kind: 'changed', before, after }];
}

/** A value as short readable text: JSON, strings unquoted. */
export function showValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
