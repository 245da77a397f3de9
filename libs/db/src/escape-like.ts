/** Escapes LIKE/ILIKE wildcards so user input matches literally (`_` and `%` are not patterns). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
