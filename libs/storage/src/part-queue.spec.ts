import { setTimeout as sleep } from 'node:timers/promises';
import { ByteBudget } from './byte-budget';
import { PartQueue } from './part-queue';

const PART = 8;

/** Tasks that hold their part for a few ms, counting how many run at once (in one queue and in all). */
class Tasks {
  running = 0;
  peak = 0;
  done = 0;

  task(queuePeak: { running: number; peak: number }, ms = 3): () => Promise<void> {
    return async () => {
      this.running += 1;
      queuePeak.running += 1;
      this.peak = Math.max(this.peak, this.running);
      queuePeak.peak = Math.max(queuePeak.peak, queuePeak.running);
      await sleep(ms);
      this.running -= 1;
      queuePeak.running -= 1;
      this.done += 1;
    };
  }
}

/** Feeds `parts` tasks into `queue` one after another (as an upload does) and drains it. */
async function upload(queue: PartQueue, tasks: Tasks, parts: number, own = { running: 0, peak: 0 }): Promise<{ running: number; peak: number }> {
  for (let i = 0; i < parts; i += 1) await queue.add(tasks.task(own));
  await queue.drain();
  return own;
}

describe('PartQueue', () => {
  it('runs at most `limit` tasks at once without a budget', async () => {
    const tasks = new Tasks();
    const own = await upload(new PartQueue(4), tasks, 20);
    expect(tasks.done).toBe(20);
    expect(own.peak).toBe(4);
  });

  it('alone, runs `limit` tasks at once when the shared budget has room for them', async () => {
    const budget = new ByteBudget(64);
    const tasks = new Tasks();
    const own = await upload(new PartQueue(4, { budget, bytesPerTask: PART }), tasks, 20);
    expect(own.peak).toBe(4);
    expect(budget.reservedBytes).toBe(0);
  });

  it('many at once: one task each plus what the shared budget holds, and every queue finishes', async () => {
    const budget = new ByteBudget(3 * PART);
    const tasks = new Tasks();
    const queues = 10;
    const owns = await Promise.all(Array.from({ length: queues }, () => upload(new PartQueue(4, { budget, bytesPerTask: PART }), tasks, 12)));
    expect(tasks.done).toBe(queues * 12);
    // without the budget: 40 at once (10 x 4)
    expect(tasks.peak).toBeLessThanOrEqual(queues + 3);
    expect(tasks.peak).toBeGreaterThan(queues);
    expect(owns.every((own) => own.peak <= 4)).toBe(true);
    expect(budget.reservedBytes).toBe(0);
  });

  it('gives the budget back when a task fails, and the failure reaches the producer', async () => {
    const budget = new ByteBudget(64);
    const queue = new PartQueue(4, { budget, bytesPerTask: PART });
    await queue.add(() => sleep(5));
    await queue.add(async () => {
      await sleep(1);
      throw new Error('part upload failed');
    });
    await expect(queue.drain()).rejects.toThrow('part upload failed');
    expect(budget.reservedBytes).toBe(0);
    await expect(queue.add(() => sleep(1))).rejects.toThrow('part upload failed');
  });
});
