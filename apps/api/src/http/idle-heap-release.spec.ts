import { getHeapStatistics } from 'node:v8';
import { IdleHeapRelease, fullCollection } from './idle-heap-release';

const MiB = 1024 * 1024;
/** ticks without a request that make the idle second the release waits for */
const IDLE_SECOND = 4;

/** Ticks through an idle second; true when one of its ticks collected. */
function idleSecond(release: IdleHeapRelease): boolean {
  let collected = false;
  for (let tick = 0; tick < IDLE_SECOND; tick += 1) collected = release.tick() || collected;
  return collected;
}

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
    // the first idle second collects what start-up left
    expect(idleSecond(release)).toBe(true);
    collections.length = 0;
    return { release, collections, grow: (bytes: number) => (heap += bytes) };
  }

  it('collects what start-up left after the first idle second, then only after the heap grew', () => {
    let heap = 120 * MiB;
    const collections: number[] = [];
    const release = new IdleHeapRelease(
      () => {
        collections.push(heap);
        heap = 70 * MiB;
      },
      () => heap,
    );
    expect(idleSecond(release)).toBe(true);
    expect(collections).toEqual([120 * MiB]);
    heap += 40 * MiB; // a load on top of the collected start-up heap: 110 MiB, under the start-up size
    release.requestArrived();
    expect(idleSecond(release)).toBe(false); // the tick that saw the request is not idle
    expect(release.tick()).toBe(true);
    expect(collections).toEqual([120 * MiB, 110 * MiB]);
  });

  it('collects once after a load grew the heap and a whole second passed without a request', () => {
    const { release, collections, grow } = subject(40 * MiB);
    for (let second = 0; second < 5; second += 1) {
      for (let i = 0; i < 100; i += 1) release.requestArrived();
      grow(30 * MiB);
      expect(release.tick()).toBe(false);
    }
    expect(collections).toEqual([]);
    // a pause shorter than a second (a client between two bursts) is left alone
    for (let tick = 1; tick < IDLE_SECOND; tick += 1) expect(release.tick()).toBe(false);
    release.requestArrived();
    for (let tick = 0; tick < IDLE_SECOND; tick += 1) expect(release.tick()).toBe(false);
    expect(collections).toEqual([]);
    expect(release.tick()).toBe(true);
    expect(collections).toEqual([190 * MiB]);
    // still idle, nothing new to release: no second collection
    expect(idleSecond(release)).toBe(false);
    expect(collections).toHaveLength(1);
  });

  it('leaves a heap that grew by less than the threshold to V8', () => {
    const { release, collections, grow } = subject(40 * MiB);
    release.requestArrived();
    grow(8 * MiB);
    release.tick();
    expect(idleSecond(release)).toBe(false);
    expect(collections).toEqual([]);
  });

  it('measures the heap V8 holds from the system, and gives it back after an idle second', () => {
    const collect = fullCollection()!;
    const held = () => getHeapStatistics().total_heap_size;
    const release = new IdleHeapRelease(collect);
    idleSecond(release); // start-up's collection (when jest's heap is large enough to warrant one)
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
