import { types } from 'pg';

const INT8_OID = 20;

/** Parses a Postgres bigint text value into a JS number, refusing one a double cannot hold exactly. */
export function parseBigint(text: string): number {
  const value = Number(text);
  // ids, sizes and counts stay far below 2^53; past it a number would silently name another row
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return value;
}

/**
 * The pool's type parsers (handed to each pg Client, not set on the global `pg.types`): bigint
 * comes back as a number, everything else as pg parses it by default.
 */
export const poolTypeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID && format !== 'binary') return parseBigint;
    return types.getTypeParser(oid, format as 'text');
  },
};
