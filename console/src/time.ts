// Dates as the registry means them (docs/domain.md, "Time"): valid-time dates are China calendar days
// shown as they are; recorded-time instants are shown in Beijing time, to the millisecond.
import dayjs, { type Dayjs } from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

export const CHINA_ZONE = 'Asia/Shanghai';

/** Today on China's calendar, `YYYY-MM-DD`. */
export const todayInChina = (): string => dayjs().tz(CHINA_ZONE).format('YYYY-MM-DD');

/** An instant in Beijing time, e.g. `2026-11-27 10:00:00.000`; empty for none. */
export function formatInstant(value: unknown): string {
  if (typeof value !== 'string' || !value) return '';
  return dayjs(value).tz(CHINA_ZONE).format('YYYY-MM-DD HH:mm:ss.SSS');
}

/** A date picker's day, `YYYY-MM-DD` (the picker's wall clock is taken as the day meant). */
export const pickerDay = (value: Dayjs): string => value.format('YYYY-MM-DD');

/** A date-time picker's wall clock read as Beijing time, as an ISO instant. */
export const pickerInstantInChina = (value: Dayjs): string =>
  dayjs.tz(value.format('YYYY-MM-DDTHH:mm:ss'), CHINA_ZONE).toISOString();

/** A Dayjs of a China calendar day, for a date picker's value. */
export const dayValue = (day: string): Dayjs => dayjs(day, 'YYYY-MM-DD');
