/** Thrown when a limiter's queue is full: the caller should refuse the work rather than wait. */
export class ConcurrencyLimitExceeded extends Error {
  constructor() {
    super('too many tasks waiting');
    this.name = 'ConcurrencyLimitExceeded';
  }
}

/**
 * Runs at most `limit` tasks at once; up to `maxQueued` more wait their turn in order, and
 * beyond that a task is refused at once. Used so that password hashing never holds more than
 * its share of libuv's thread pool, which file I/O needs too.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a concurrency limit must be a positive integer, not ${limit}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxQueued) throw new ConcurrencyLimitExceeded();
      // the slot is handed over by the finishing task, so running never exceeds the limit
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
