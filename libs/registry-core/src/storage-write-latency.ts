import { Injectable } from '@nestjs/common';

/** Writes larger than this are timed by their bandwidth, not by how busy the machine is: left out. */
const SMALL_WRITE_BYTES = 1024 * 1024;
/** The window the published figure covers, and the most samples it keeps. */
const WINDOW_MS = 5000;
const MAX_SAMPLES = 256;

/**
 * This process's recent latency of small storage writes (a push's layers, configs and
 * manifests): the median over the last few seconds. It is what pushes feel of everything else
 * the machine does, a garbage collection's sweep included; the api publishes it (see the GC's
 * PushLatencySignal) and the sweep slows down when it rises.
 */
@Injectable()
export class StorageWriteLatency {
  private readonly samples: { at: number; ms: number }[] = [];
  /** milliseconds; a fake clock in tests */
  now: () => number = () => performance.now();

  /** Times `write` (of `bytes` bytes, when known) if it is small and succeeds. */
  async time<T>(bytes: number | undefined, write: () => Promise<T>): Promise<T> {
    if (bytes === undefined || bytes > SMALL_WRITE_BYTES) return write();
    const started = this.now();
    const result = await write();
    this.record(this.now() - started);
    return result;
  }

  record(ms: number): void {
    this.samples.push({ at: this.now(), ms });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** The median of the window's samples in ms; null when nothing was written lately. */
  median(): number | null {
    const since = this.now() - WINDOW_MS;
    while (this.samples.length > 0 && this.samples[0].at < since) this.samples.shift();
    if (this.samples.length === 0) return null;
    const sorted = this.samples.map((s) => s.ms).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }
}
