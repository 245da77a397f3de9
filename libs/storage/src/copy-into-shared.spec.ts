import { randomBytes } from 'node:crypto';
import { copyIntoShared } from './copy-into-shared';

function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

describe('copyIntoShared', () => {
  it('copies what Buffer#copy copies, at any alignment of either side', () => {
    const source = randomBytes(1000);
    for (const sourceStart of [0, 1, 3, 7, 8]) {
      for (const targetStart of [0, 1, 5, 8, 13]) {
        const expected = Buffer.alloc(600, 0xee);
        const target = sharedBuffer(600).fill(0xee);
        const expectedCount = source.copy(expected, targetStart, sourceStart);
        expect(copyIntoShared(source, target, targetStart, sourceStart)).toBe(expectedCount);
        expect(Buffer.compare(target, expected)).toBe(0);
      }
    }
  });

  it('copies a view of a larger buffer without reading past the view', () => {
    const backing = Buffer.from('0123456789abcdef');
    const view = backing.subarray(3, 9); // "345678"
    const target = sharedBuffer(10).fill('.');
    expect(copyIntoShared(view, target, 2)).toBe(6);
    expect(target.toString()).toBe('..345678..');
  });

  it('copies only what fits, and nothing into a full target or from an exhausted source', () => {
    const target = sharedBuffer(8).fill('.');
    expect(copyIntoShared(Buffer.from('abcdefghij'), target, 5)).toBe(3);
    expect(target.toString()).toBe('.....abc');
    expect(copyIntoShared(Buffer.from('xyz'), target, 8)).toBe(0);
    expect(copyIntoShared(Buffer.from('xyz'), target, 0, 3)).toBe(0);
    expect(copyIntoShared(Buffer.alloc(0), target, 0)).toBe(0);
    expect(target.toString()).toBe('.....abc');
  });
});
