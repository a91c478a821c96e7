/**
 * The search form of a name: Unicode NFKC (full-width letters, digits and brackets become their
 * half-width forms), lower case, and without whitespace, punctuation or symbols, so that
 * "某某大学（北京）", "某某大学(北京)" and "某某大学 北京" compare equal.
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{Z}\s]/gu, '');
}
