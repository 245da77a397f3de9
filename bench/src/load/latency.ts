/**
 * Exact percentiles from every recorded latency. autocannon's own histogram keeps whole
 * milliseconds, and sub-millisecond answers (a HEAD on loopback) would all read 0.
 */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  get size(): number {
    return this.count;
  }

  /** The given percentiles (each in [0, 100]) in order; NaN when nothing was recorded. */
  percentiles(...ps: number[]): number[] {
    const sorted = this.values.slice(0, this.count).sort();
    return ps.map((p) => (this.count === 0 ? NaN : sorted[Math.max(0, Math.min(this.count - 1, Math.ceil((p / 100) * this.count) - 1))]));
  }
}
