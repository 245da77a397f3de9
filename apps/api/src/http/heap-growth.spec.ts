import { HEAP_GROWING_PERCENT, growHeapBetweenFullCollections } from './heap-growth';

describe('growHeapBetweenFullCollections', () => {
  it('sets V8 heap growing factor when node was started without one', () => {
    const flags: string[] = [];
    growHeapBetweenFullCollections(['--max-semi-space-size=8'], (flag) => flags.push(flag));
    expect(flags).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it.each(['--heap-growing-percent=50', '--heap_growing_percent=50'])('leaves an operator-chosen %s alone', (operatorFlag) => {
    const flags: string[] = [];
    growHeapBetweenFullCollections(['--enable-source-maps', operatorFlag], (flag) => flags.push(flag));
    expect(flags).toEqual([]);
  });

  it('is a flag V8 accepts at run time', () => {
    // an unknown or frozen flag would throw or abort here
    expect(() => growHeapBetweenFullCollections([])).not.toThrow();
  });
});
