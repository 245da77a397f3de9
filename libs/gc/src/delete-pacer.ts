/** How a DeletePacer adapts; the defaults suit S3 DeleteObjects of a few hundred keys. */
export interface DeletePacerOptions {
  /** requests in flight at the start */
  initial: number;
  min: number;
  max: number;
  /** a latency up to this many times the baseline is "near it": one more request may run */
  growBelow: number;
  /** a latency beyond this many times the baseline means the storage is busy: halve */
  backOffAbove: number;
  /** milliseconds; a fake clock in tests */
  now: () => number;
}

export const DEFAULT_DELETE_PACING: DeletePacerOptions = {
  initial: 2,
  min: 1,
  max: 8,
  growBelow: 1.5,
  backOffAbove: 2.5,
  now: () => performance.now(),
};

/** What the pacer did, for the run's log. */
export interface PacingSummary {
  requests: number;
  limit: number;
  highestLimit: number;
  backOffs: number;
  /** the lowest latency per key seen, in ms */
  baselineMsPerKey: number | null;
}

/**
 * Paces a sweep's storage deletes on their own latency (per key, so batches of any size compare),
 * the way TCP Vegas paces a sender on round-trip times: while requests answer about as fast as
 * the fastest seen in this run, one more may run at a time (additive increase); when they take
 * markedly longer, the storage is busy (pushes, other clients, or ourselves) and the number in
 * flight halves (multiplicative decrease, at most once per round of requests, so a burst of slow
 * answers that were all in flight together counts once). A failed request counts as a slow one.
 * The garbage collector thus takes what the storage has to spare and gives it back to pushes.
 */
export class DeletePacer {
  private readonly options: DeletePacerOptions;
  private current: number;
  private highest: number;
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];
  /** bumped by every back-off: requests started before it cannot cause another */
  private round = 0;
  private requests = 0;
  private backOffs = 0;
  private lowest: number | null = null;

  constructor(options: Partial<DeletePacerOptions> = {}) {
    this.options = { ...DEFAULT_DELETE_PACING, ...options };
    this.current = Math.min(Math.max(this.options.initial, this.options.min), this.options.max);
    this.highest = this.current;
  }

  /** Requests allowed in flight right now. */
  get limit(): number {
    return this.current;
  }

  /** Runs `work` (a delete of `keys` keys) once a slot is free, and learns from how long it took. */
  async run<T>(keys: number, work: () => Promise<T>): Promise<T> {
    await this.slot();
    const round = this.round;
    const started = this.options.now();
    try {
      const result = await work();
      this.learn((this.options.now() - started) / Math.max(keys, 1), round);
      return result;
    } catch (error) {
      this.backOff(round);
      throw error;
    } finally {
      this.inFlight -= 1;
      this.wake();
    }
  }

  summary(): PacingSummary {
    return { requests: this.requests, limit: this.current, highestLimit: this.highest, backOffs: this.backOffs, baselineMsPerKey: this.lowest };
  }

  private learn(msPerKey: number, round: number): void {
    this.requests += 1;
    // the baseline is the run's fastest answer: a storage that stays slow (pushes all along) keeps
    // the sweep at its minimum rather than teaching the pacer that slow is normal
    this.lowest = this.lowest === null ? msPerKey : Math.min(this.lowest, msPerKey);
    const baseline = this.lowest;
    const ratio = baseline > 0 ? msPerKey / baseline : 1;
    if (ratio > this.options.backOffAbove) return this.backOff(round);
    // growing only helps when the limit is what holds requests back
    if (ratio <= this.options.growBelow && this.inFlight + this.queue.length >= this.current && this.current < this.options.max) {
      this.current += 1;
      this.highest = Math.max(this.highest, this.current);
      this.wake();
    }
  }

  private backOff(round: number): void {
    if (round !== this.round) return;
    this.round += 1;
    this.backOffs += 1;
    this.current = Math.max(this.options.min, Math.floor(this.current / 2));
  }

  private async slot(): Promise<void> {
    while (this.inFlight >= this.current) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.inFlight += 1;
  }

  /** Every waiter checks the limit again (in the order they came). */
  private wake(): void {
    for (const waiter of this.queue.splice(0)) waiter();
  }
}
