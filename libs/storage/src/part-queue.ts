/**
 * Runs part uploads (or part copies) with a bounded number in flight. The first failure is kept
 * and rethrown by the next add() or by drain(), so the producer stops reading its body at once;
 * settle() waits for whatever still runs, so cleanup (aborting the multipart upload) comes last.
 */
export class PartQueue {
  private readonly running = new Set<Promise<void>>();
  private failure?: { error: unknown };

  constructor(private readonly limit: number) {}

  /** Starts `task` once fewer than `limit` run; rejects with an earlier task's failure. */
  async add(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.running.size >= this.limit) {
      await Promise.race(this.running);
      this.throwIfFailed();
    }
    // never rejects: a failure is recorded instead, so nothing goes unhandled while no one awaits
    const tracked: Promise<void> = task().then(
      () => void this.running.delete(tracked),
      (error: unknown) => {
        this.running.delete(tracked);
        this.failure ??= { error };
      },
    );
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

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
