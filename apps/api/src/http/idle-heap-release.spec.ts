import { getHeapStatistics } from 'node:v8';
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
    // the first idle tick collects what start-up left
    expect(release.tick()).toBe(true);
    collections.length = 0;
    return { release, collections, grow: (bytes: number) => (heap += bytes) };
  }

  it('collects what start-up left at the first idle tick, then only after the heap grew', () => {
    let heap = 120 * MiB;
    const collections: number[] = [];
    const release = new IdleHeapRelease(
      () => {
        collections.push(heap);
        heap = 70 * MiB;
      },
      () => heap,
    );
    expect(release.tick()).toBe(true);
    expect(collections).toEqual([120 * MiB]);
    heap += 40 * MiB; // a load on top of the collected start-up heap: 110 MiB, under the start-up size
    expect(release.tick()).toBe(true);
    expect(collections).toEqual([120 * MiB, 110 * MiB]);
  });

  it('collects once at the first idle tick after a load grew the heap, not while requests arrive', () => {
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

  it('measures the heap V8 holds from the system, and gives it back at the first idle tick', () => {
    const collect = fullCollection()!;
    const held = () => getHeapStatistics().total_heap_size;
    const release = new IdleHeapRelease(collect);
    release.tick(); // start-up's collection (when jest's heap is large enough to warrant one)
    // a load's garbage: objects that live long enough to be promoted, then die
    let survivors: object[][] = [];
    for (let round = 0; round < 400; round += 1) {
      survivors.push(Array.from({ length: 5000 }, (_, i) => ({ i, label: `entry-${round}-${i}` })));
      if (survivors.length > 100) survivors.shift();
    }
    survivors = [];
    const grown = held();
    expect(release.tick()).toBe(true);
    expect(held()).toBeLessThan(grown - 32 * MiB);
  });

  it('reaches V8 full collection without a command-line flag', () => {
    const collect = fullCollection();
    expect(typeof collect).toBe('function');
    expect(() => collect!()).not.toThrow();
  });
});
