import { setTimeout as sleepFor } from 'node:timers/promises';

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
  /** keys deleted per second at most, whatever the signals say (GC_DELETE_MAX_KEYS_PER_SECOND); Infinity: no cap */
  maxKeysPerSecond: number;
  /** the rate the pushes' signal never pushes the sweep below (GC_DELETE_MIN_KEYS_PER_SECOND): a run always ends */
  minKeysPerSecond: number;
  /** keys per second added back for each reading of the pushes' latency near its baseline */
  rateStep: number;
  /** the pushes' storage-write latency beyond this many times its level before the run: they feel the sweep, slow down (GC_PUSH_LATENCY_BACKOFF_RATIO) */
  pushBackOffAbove: number;
  /** ... and up to this many times it: the sweep may speed up again */
  pushGrowBelow: number;
  /** the pushes' latency (ms; null when nobody pushes), read at most every pollMs; absent: the pacer only sees its own latency */
  pushLatency?: () => Promise<number | null>;
  pollMs: number;
  /** after a slow-down, how long until the pushes' latency shows its effect (the window the api's figure covers) */
  pushSettleMs: number;
  /** milliseconds; a fake clock in tests */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_DELETE_PACING: DeletePacerOptions = {
  initial: 2,
  min: 1,
  max: 8,
  growBelow: 1.5,
  backOffAbove: 2.5,
  maxKeysPerSecond: Infinity,
  minKeysPerSecond: 100,
  rateStep: 100,
  pushBackOffAbove: 1.5,
  pushGrowBelow: 1.2,
  pollMs: 1000,
  pushSettleMs: 5000,
  now: () => performance.now(),
  sleep: (ms) => sleepFor(ms).then(() => undefined),
};

/** What the pacer did, for the run's log. */
export interface PacingSummary {
  requests: number;
  limit: number;
  highestLimit: number;
  backOffs: number;
  /** the lowest latency per key seen, in ms */
  baselineMsPerKey: number | null;
  /** the pushes' latency the run started with (ms), null when nobody pushed */
  pushBaselineMs: number | null;
  /** times the pushes' latency made the sweep slow down */
  pushBackOffs: number;
  /** keys per second allowed now and the lowest allowed during the run (Infinity: unlimited) */
  keysPerSecond: number;
  lowestKeysPerSecond: number;
}

/**
 * Paces a sweep's storage deletes on two signals.
 *
 * Its own latency (per key, so batches of any size compare), the way TCP Vegas paces a sender on
 * round-trip times: while requests answer about as fast as the fastest seen in this run, one more
 * may run at a time (additive increase); when they take markedly longer, the storage is busy and
 * the number in flight halves (multiplicative decrease, at most once per round of requests, so a
 * burst of slow answers that were all in flight together counts once). A failed request counts as
 * a slow one.
 *
 * The pushes' latency (the api's storage writes, published in Redis each second): the storage's
 * own latency does not rise when what the sweep and the pushes fight for is the machine's CPU
 * (RadosGW, its OSDs, Postgres and the api on the same cores), but the pushes feel it. When their
 * latency rises beyond `pushBackOffAbove` times the level it had before the run, the sweep halves
 * its rate in keys per second (again once the figure has had time to show the effect, while it stays high); while it stays within `pushGrowBelow`
 * times that level the rate grows back by `rateStep`, up to `maxKeysPerSecond`.
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
  /** keys per second the pushes' signal allows (Infinity until it first asks for less) */
  private rate = Infinity;
  private lowestRate = Infinity;
  /** when the next request may start, on the rate's schedule */
  private nextStart = 0;
  private pushBaseline: number | null = null;
  private pushBackOffs = 0;
  private lastPoll = -Infinity;
  private lastSlowDown = -Infinity;
  /** keys completed, and the count and time at the last reading of the pushes' latency (for the rate achieved in between) */
  private keysDone = 0;
  private keysAtPoll = 0;
  private timeAtPoll: number | null = null;

  constructor(options: Partial<DeletePacerOptions> = {}) {
    this.options = { ...DEFAULT_DELETE_PACING, ...options };
    this.current = Math.min(Math.max(this.options.initial, this.options.min), this.options.max);
    this.highest = this.current;
  }

  /** Requests allowed in flight right now. */
  get limit(): number {
    return this.current;
  }

  /** Keys per second allowed right now (Infinity: unlimited). */
  get keysPerSecond(): number {
    return Math.min(this.rate, this.options.maxKeysPerSecond);
  }

  /**
   * The pushes' latency before the run began: what "the pushes do not feel the sweep" looks like.
   * Without one (nobody pushed then), the lowest reading during the run stands in for it.
   */
  async startRun(): Promise<void> {
    if (!this.options.pushLatency) return;
    this.pushBaseline = await this.options.pushLatency();
  }

  /** Runs `work` (a delete of `keys` keys) once a slot is free and the rate allows, and learns from how long it took. */
  async run<T>(keys: number, work: () => Promise<T>): Promise<T> {
    await this.pollPushes();
    await this.slot();
    try {
      await this.paceRate(keys);
    } catch (error) {
      this.release();
      throw error;
    }
    const round = this.round;
    const started = this.options.now();
    try {
      const result = await work();
      this.keysDone += keys;
      this.learn((this.options.now() - started) / Math.max(keys, 1), round);
      return result;
    } catch (error) {
      this.backOff(round);
      throw error;
    } finally {
      this.release();
    }
  }

  /** One reading of the pushes' latency (ms; null: nobody pushes): slow down, hold, or speed up. */
  observePushLatency(ms: number | null): void {
    const now = this.options.now();
    const achieved = this.timeAtPoll !== null && now > this.timeAtPoll ? ((this.keysDone - this.keysAtPoll) * 1000) / (now - this.timeAtPoll) : null;
    this.keysAtPoll = this.keysDone;
    this.timeAtPoll = now;
    if (ms === null || ms <= 0) return this.speedUp();
    // without a level from before the run (nobody pushed then), the first reading stands in for it.
    // It stays fixed: a baseline lowered to the quietest second of a noisy machine would leave
    // every later reading "slow" and the sweep at its floor
    this.pushBaseline ??= ms;
    const ratio = ms / this.pushBaseline;
    if (ratio > this.options.pushBackOffAbove) {
      // the published figure is a median over the last few seconds: readings before it has turned
      // over since the last slow-down still show the rate before it, and count once
      if (now - this.lastSlowDown < this.options.pushSettleMs) return;
      this.lastSlowDown = now;
      return this.slowDown(achieved);
    }
    if (ratio <= this.options.pushGrowBelow) this.speedUp();
  }

  summary(): PacingSummary {
    return {
      requests: this.requests,
      limit: this.current,
      highestLimit: this.highest,
      backOffs: this.backOffs,
      baselineMsPerKey: this.lowest,
      pushBaselineMs: this.pushBaseline,
      pushBackOffs: this.pushBackOffs,
      keysPerSecond: this.keysPerSecond,
      lowestKeysPerSecond: Math.min(this.lowestRate, this.options.maxKeysPerSecond),
    };
  }

  /**
   * Halves the rate (from what was achieved since the last reading when it ran below its allowance).
   * Requests in flight stay the storage's own signal's business: the rate is what binds.
   */
  private slowDown(achieved: number | null): void {
    this.pushBackOffs += 1;
    const from = Math.min(this.keysPerSecond, achieved ?? Infinity);
    // with nothing measured yet (the first reading), the floor's double is a careful start
    const base = Number.isFinite(from) ? from : this.options.minKeysPerSecond * 2;
    this.rate = Math.max(this.options.minKeysPerSecond, base / 2);
    this.lowestRate = Math.min(this.lowestRate, this.rate);
  }

  private speedUp(): void {
    if (this.rate === Infinity) return;
    this.rate += this.options.rateStep;
    // back at the cap: the pushes' signal no longer holds the sweep back
    if (this.rate >= this.options.maxKeysPerSecond) this.rate = Infinity;
    this.wake();
  }

  private async pollPushes(): Promise<void> {
    const source = this.options.pushLatency;
    if (!source) return;
    const now = this.options.now();
    if (now - this.lastPoll < this.options.pollMs) return;
    // set before the read: requests waiting meanwhile do not read it again
    this.lastPoll = now;
    let ms: number | null;
    try {
      ms = await source();
    } catch {
      // no signal (Redis down) is no reason to stop collecting: the storage's own latency still paces
      return;
    }
    this.observePushLatency(ms);
  }

  /** Waits for the request's turn on the rate's schedule: `keys` keys take keys / rate seconds of it. */
  private async paceRate(keys: number): Promise<void> {
    const rate = this.keysPerSecond;
    if (!Number.isFinite(rate)) return;
    const now = this.options.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + (keys * 1000) / rate;
    if (start > now) await this.options.sleep(start - now);
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

  private release(): void {
    this.inFlight -= 1;
    this.wake();
  }

  /** Every waiter checks the limit again (in the order they came). */
  private wake(): void {
    for (const waiter of this.queue.splice(0)) waiter();
  }
}
