import type { FastifyInstance } from 'fastify';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** how often the api looks whether it is idle */
const TICK_MS = 250;
/**
 * Ticks in a row without a request that make a pause in the load: a second. A quarter second was
 * too eager: a client pausing that long between bursts (a load generator starting its measured
 * run after its warm-up) met two full collections as it came back, and the bench's small-request
 * rows lost 17-33 % in the 2 s after (measured against the same tree without the collection).
 */
const IDLE_TICKS = 4;
/** heap growth worth a collection: less than this since the last one is left to V8's own timing */
const RELEASE_THRESHOLD_BYTES = 32 * 1024 * 1024;

/**
 * One full garbage collection when the api falls idle after a busy spell, so the memory a load
 * left behind goes back to the system then rather than whenever V8 next decides.
 *
 * Why: under load, objects that outlive a few scavenges (a request in flight, a pull event
 * waiting in its buffer) are promoted and die in the old generation, which V8 lets grow to
 * several times the live heap before it collects (read off a busy api: old space 140-180 MB,
 * 47 MB of it live). V8's memory reducer shrinks it some seconds after the load ends; this does
 * it after the first idle second instead. It only runs when no request arrived for IDLE_TICKS ticks
 * and the heap has grown by at least RELEASE_THRESHOLD_BYTES since the last collection, so a
 * busy api never pays for it and an idle one pays once (tens of ms, with nobody waiting).
 *
 * The growth is measured on the heap V8 holds from the system (`total_heap_size`), not on the
 * bytes in use: V8's own collections during the load keep the used size low while the old space
 * it grew stays committed (read off an api after 4 KiB pushes: 137 MB held, 63 MB used, RSS
 * 206 MB until the memory reducer ran 15-20 s later). The full collection below gives the empty
 * pages back.
 */
export class IdleHeapRelease {
  private requests = 0;
  private requestsAtLastTick = 0;
  private idleTicks = 0;
  /**
   * Held heap after the last collection; none yet, so the first idle second collects what start-up
   * left (the module graph's construction garbage: the held heap right after start is larger
   * than a load adds, and a baseline taken then would hide the load's growth).
   */
  private heapAfterRelease = 0;

  constructor(
    private readonly collect: () => void,
    private readonly heapHeld: () => number = () => getHeapStatistics().total_heap_size,
  ) {}

  requestArrived(): void {
    this.requests += 1;
  }

  /** Called every TICK_MS; true when it collected. */
  tick(): boolean {
    this.idleTicks = this.requests === this.requestsAtLastTick ? this.idleTicks + 1 : 0;
    this.requestsAtLastTick = this.requests;
    if (this.idleTicks < IDLE_TICKS || this.heapHeld() - this.heapAfterRelease < RELEASE_THRESHOLD_BYTES) return false;
    this.collect();
    this.heapAfterRelease = this.heapHeld();
    return true;
  }
}

/**
 * V8's full collection as a function: `--expose-gc` set at run time makes `gc` a global of every
 * context created afterwards (Node's documented way to reach it without a command-line flag).
 * Called without options: a synchronous full collection (with Node 20's V8, `{ flavor:
 * 'last-resort' }` collected nothing at all). Called twice: the first frees the dead objects but
 * leaves the pages they shared with live ones, the second moves those live objects together and
 * gives the emptied pages back (measured on a fragmented 50 MB old space: held 35.6 MB after one
 * collection, 16.0 MB after two; RSS 102 vs 81 MB). Undefined where the runtime does not allow
 * it; the api then leaves collection to V8.
 */
export function fullCollection(): (() => void) | undefined {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  if (typeof gc !== 'function') return undefined;
  return () => {
    (gc as () => void)();
    (gc as () => void)();
  };
}

export function releaseHeapWhenIdle(fastify: FastifyInstance): void {
  const collect = fullCollection();
  if (!collect) return;
  const release = new IdleHeapRelease(collect);
  fastify.addHook('onRequest', (_request, _reply, done) => {
    release.requestArrived();
    done();
  });
  const timer = setInterval(() => release.tick(), TICK_MS).unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    done();
  });
}
