/** Escapes LIKE/ILIKE wildcards so a user's text matches itself, not a pattern. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
