import { jsonNestingExceeds } from './json-nesting';

describe('jsonNestingExceeds', () => {
  it('counts objects and arrays, however mixed', () => {
    expect(jsonNestingExceeds('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(jsonNestingExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(jsonNestingExceeds('[]', 1)).toBe(false);
    expect(jsonNestingExceeds('1', 0)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(jsonNestingExceeds('{"a":"x\\"[[[[","b":1}', 1)).toBe(false);
    expect(jsonNestingExceeds('{"a":"x\\\\","b":[[1]]}', 2)).toBe(true);
  });

  it('measures depth, not the number of brackets', () => {
    expect(jsonNestingExceeds(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])), 3)).toBe(false);
    expect(jsonNestingExceeds('['.repeat(100_000), 32)).toBe(true);
  });
});
