/** China Standard Time, UTC+8 all year (no daylight saving since 1991): the registry's calendar. */
export const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The calendar date (`YYYY-MM-DD`) in China of an instant, e.g. today's for `new Date()`. */
export function chinaDateOf(at: Date): string {
  return new Date(at.getTime() + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
}
