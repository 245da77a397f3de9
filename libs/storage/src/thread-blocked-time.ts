import { closeSync, openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A point to measure blocked time from: the wall clock and the thread's scheduled time then. */
export interface ThreadTimeMark {
  wallMs: number;
  scheduledMs: number | undefined;
}

/**
 * How long the calling thread was blocked (asleep in the kernel, e.g. on the disk) during some
 * synchronous work, as opposed to running or waiting for a CPU. Linux keeps both of the latter per
 * thread (`/proc/thread-self/schedstat`: time on a CPU, time runnable on a run queue); the rest of
 * the wall time the thread slept. Why not the wall time alone: on a busy machine a 0.2 ms write is
 * often preempted for several ms, which says nothing about the disk. Without schedstat (not Linux,
 * or a kernel without it) the wall time is all there is, and preemption counts as blocking.
 *
 * Bound to the thread that first measures (the file names the thread that opened it); one pread
 * (about 3 µs) per reading.
 */
export class ThreadBlockedTime {
  /** the schedstat file; null once it turned out unavailable */
  private fd: number | null | undefined;
  private readonly buffer = Buffer.alloc(128);

  mark(): ThreadTimeMark {
    return { wallMs: performance.now(), scheduledMs: this.scheduledMs() };
  }

  /** Wall time since `mark` minus the time the thread ran or waited for a CPU meanwhile, in ms. */
  blockedMsSince(mark: ThreadTimeMark): number {
    const wallMs = performance.now() - mark.wallMs;
    const scheduledMs = this.scheduledMs();
    if (mark.scheduledMs === undefined || scheduledMs === undefined) return wallMs;
    return Math.max(0, wallMs - (scheduledMs - mark.scheduledMs));
  }

  /** The thread's time on a CPU plus its time runnable on a run queue since it started, in ms. */
  protected scheduledMs(): number | undefined {
    if (this.fd === undefined) this.fd = openSchedstat();
    if (this.fd === null) return undefined;
    try {
      const length = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
      // "<ns on cpu> <ns waiting on a run queue> <timeslices>\n"
      const [onCpu, queued] = this.buffer.toString('latin1', 0, length).split(' ');
      const total = (Number(onCpu) + Number(queued)) / 1e6;
      return Number.isFinite(total) ? total : undefined;
    } catch {
      this.close();
      return undefined;
    }
  }

  close(): void {
    if (typeof this.fd === 'number') closeSync(this.fd);
    this.fd = null;
  }
}

function openSchedstat(): number | null {
  try {
    return openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
}
