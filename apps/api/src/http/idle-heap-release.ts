import type { FastifyInstance } from 'fastify';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** how often the api looks whether it is idle: a quarter second without a request is a pause in the load */
const TICK_MS = 250;
/** garbage worth a collection: less than this since the last one is left to V8's own timing */
const RELEASE_THRESHOLD_BYTES = 32 * 1024 * 1024;

/**
 * One full garbage collection when the api falls idle after a busy spell, so the memory a load
 * left behind goes back to the system then rather than whenever V8 next decides.
 *
 * Why: under load, objects that outlive a few scavenges (a request in flight, a pull event
 * waiting in its buffer) are promoted and die in the old generation, which V8 lets grow to
 * several times the live heap before it collects (read off a busy api: old space 140-180 MB,
 * 47 MB of it live). V8's memory reducer shrinks it some seconds after the load ends; this does
 * it at the first idle quarter second instead. It only runs when no request arrived during a whole tick
 * and the heap holds at least RELEASE_THRESHOLD_BYTES more than after the last collection, so a
 * busy api never pays for it and an idle one pays once (tens of ms, with nobody waiting).
 */
export class IdleHeapRelease {
  private requests = 0;
  private requestsAtLastTick = 0;
  private heapAfterRelease: number;

  constructor(
    private readonly collect: () => void,
    private readonly heapUsed: () => number = () => getHeapStatistics().used_heap_size,
  ) {
    this.heapAfterRelease = heapUsed();
  }

  requestArrived(): void {
    this.requests += 1;
  }

  /** Called every TICK_MS; true when it collected. */
  tick(): boolean {
    const idle = this.requests === this.requestsAtLastTick;
    this.requestsAtLastTick = this.requests;
    if (!idle || this.heapUsed() - this.heapAfterRelease < RELEASE_THRESHOLD_BYTES) return false;
    this.collect();
    this.heapAfterRelease = this.heapUsed();
    return true;
  }
}

/**
 * V8's full collection as a function: `--expose-gc` set at run time makes `gc` a global of every
 * context created afterwards (Node's documented way to reach it without a command-line flag).
 * Called without options: a synchronous full collection that also compacts (with Node 20's V8,
 * `{ flavor: 'last-resort' }` collected nothing at all). Undefined where the runtime does not
 * allow it; the api then leaves collection to V8.
 */
export function fullCollection(): (() => void) | undefined {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
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
