import { IdleHeapRelease, fullCollection } from './idle-heap-release';

const MiB = 1024 * 1024;

describe('IdleHeapRelease', () => {
  function subject(startHeap: number) {
    let heap = startHeap;
    const collections: number[] = [];
    const release = new IdleHeapRelease(
      () => {
        collections.push(heap);
        heap = startHeap;
      },
      () => heap,
    );
    return { release, collections, grow: (bytes: number) => (heap += bytes) };
  }

  it('collects once at the first idle tick after a load left garbage, not while requests arrive', () => {
    const { release, collections, grow } = subject(40 * MiB);
    for (let second = 0; second < 5; second += 1) {
      for (let i = 0; i < 100; i += 1) release.requestArrived();
      grow(30 * MiB);
      expect(release.tick()).toBe(false);
    }
    expect(collections).toEqual([]);
    expect(release.tick()).toBe(true);
    expect(collections).toEqual([190 * MiB]);
    // still idle, nothing new to release: no second collection
    expect(release.tick()).toBe(false);
    expect(collections).toHaveLength(1);
  });

  it('leaves a heap that grew by less than the threshold to V8', () => {
    const { release, collections, grow } = subject(40 * MiB);
    release.requestArrived();
    grow(8 * MiB);
    release.tick();
    expect(release.tick()).toBe(false);
    expect(collections).toEqual([]);
  });

  it('reaches V8 full collection without a command-line flag', () => {
    const collect = fullCollection();
    expect(typeof collect).toBe('function');
    expect(() => collect!()).not.toThrow();
  });
});
