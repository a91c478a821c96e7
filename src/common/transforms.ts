import { withoutFormatCharacters } from './text';

/** `@Transform(trim)`: trims a string value, leaves anything else for the validators to refuse. */
export const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/**
 * `@Transform(trimName)`: a name as stored and compared, format characters removed (see
 * `withoutFormatCharacters`) and trimmed, so that a name of invisible characters alone is empty.
 */
export const trimName = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? withoutFormatCharacters(value).trim() : value;

/** `@Transform(trimNames)`: `trimName` on each name of a list. */
export const trimNames = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v) => trimName({ value: v })) : value;

/** `@Transform(upper)`: trims and upper-cases a string value (country codes). */
export const upper = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

/** `@Transform(toInteger)`: a whole number written as text (environment, form fields) becomes a number. */
export const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * `@Transform(nullAs(fallback))` on an optional body field with a default: `null` means "not given"
 * and takes the default, as leaving the field out does. `@IsOptional()` lets null through to the
 * service, which stored it in a NOT NULL column (a 500) or used it as a value.
 */
export const nullAs =
  (fallback: unknown) =>
  ({ value }: { value: unknown }): unknown =>
    value === null ? fallback : value;

/**
 * `@Transform(toNumber)`: a number written as text (a query parameter) becomes a number; anything
 * else is left for the validators to refuse. class-transformer's `@Type(() => Number)` calls
 * `Number()` on whatever it is given, which throws on an object that has no primitive value (a 500).
 */
export const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? Number(value) : value;
