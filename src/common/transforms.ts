/** `@Transform(trim)`: trims a string value, leaves anything else for the validators to refuse. */
export const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** `@Transform(trimEach)`: trims the strings of a list. */
export const trimEach = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v) => trim({ value: v })) : value;

/** `@Transform(upper)`: trims and upper-cases a string value (country codes). */
export const upper = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

/** `@Transform(toInteger)`: a whole number written as text (environment, form fields) becomes a number. */
export const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
