import { types } from 'pg';
import { parseBigint, poolTypeParsers } from './pg-type-parsers';

const INT8 = 20;
const NUMERIC = 1700;
const INT4 = 23;

describe('pool type parsers', () => {
  it('parses bigint text to a number up to 2^53 - 1 either way', () => {
    expect(parseBigint('0')).toBe(0);
    expect(parseBigint('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseBigint('-9007199254740991')).toBe(-Number.MAX_SAFE_INTEGER);
  });

  it('refuses a bigint a double cannot hold exactly instead of rounding it', () => {
    expect(() => parseBigint('9007199254740992')).toThrow(RangeError);
    expect(() => parseBigint('9007199254740993')).toThrow('bigint 9007199254740993 is beyond Number.MAX_SAFE_INTEGER');
    expect(() => parseBigint('-9007199254740993')).toThrow(RangeError);
  });

  it('hands bigint to parseBigint and every other type to the default parser', () => {
    expect(poolTypeParsers.getTypeParser(INT8, 'text')).toBe(parseBigint);
    expect(poolTypeParsers.getTypeParser(INT8)).toBe(parseBigint);
    expect(poolTypeParsers.getTypeParser(NUMERIC, 'text')).toBe(types.getTypeParser(NUMERIC, 'text'));
    expect(poolTypeParsers.getTypeParser(INT4, 'text')).toBe(types.getTypeParser(INT4, 'text'));
    expect(types.getTypeParser(INT8, 'text')('9007199254740993')).toBe('9007199254740993');
  });
});
