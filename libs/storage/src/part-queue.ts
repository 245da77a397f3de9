import type { ByteBudget } from './byte-budget';

/** What each task beyond a queue's first holds in memory until it ends, taken from a budget shared by every queue. */
export interface PartQueueMemory {
  budget: ByteBudget;
  bytesPerTask: number;
}

/**
 * Runs part uploads (or part copies) with a bounded number in flight. The first failure is kept
 * and rethrown by the next add() or by drain(), so the producer stops reading its body at once;
 * settle() waits for whatever still runs, so cleanup (aborting the multipart upload) comes last.
 *
 * With `memory`, a queue always may run one task (every upload makes progress) and runs more only
 * while the shared budget has room for their parts: many uploads at once then hold one part in
 * flight each plus the budget, not `limit` parts each.
 */
export class PartQueue {
  private readonly running = new Set<Promise<void>>();
  private failure?: { error: unknown };

  constructor(
    private readonly limit: number,
    private readonly memory?: PartQueueMemory,
  ) {}

  /** Starts `task` once fewer than `limit` run (and the budget has room, unless none runs); rejects with an earlier task's failure. */
  async add(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    let reserved = 0;
    // with nothing running the task starts without the budget: every upload makes progress
    while (this.running.size > 0) {
      if (this.running.size < this.limit && this.reserve()) {
        reserved = this.memory?.bytesPerTask ?? 0;
        break;
      }
      await Promise.race(this.running);
      this.throwIfFailed();
    }
    // never rejects: a failure is recorded instead, so nothing goes unhandled while no one awaits
    const tracked: Promise<void> = task()
      .then(
        () => void this.running.delete(tracked),
        (error: unknown) => {
          this.running.delete(tracked);
          this.failure ??= { error };
        },
      )
      .finally(() => this.memory?.budget.release(reserved));
    this.running.add(tracked);
  }

  /** Waits for every task; rejects with the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every task, ignoring failures. */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  /** Room for one more task's part: always without a budget. */
  private reserve(): boolean {
    return !this.memory || this.memory.budget.tryReserve(this.memory.bytesPerTask);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
