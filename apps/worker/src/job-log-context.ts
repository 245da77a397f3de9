import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while a job runs says about it. */
export interface JobLogContext {
  job: string;
  jobId?: string;
  executionId?: number;
  taskId?: number;
}

const current = new AsyncLocalStorage<JobLogContext>();

/** What a line about this job names: the job, its id, and its execution and task when it has them. */
export function jobLogContextOf(job: { name: string; id?: string; data: unknown }): JobLogContext {
  const data = (job.data ?? {}) as { executionId?: unknown; taskId?: unknown };
  const context: JobLogContext = { job: job.name, jobId: job.id };
  if (typeof data.executionId === 'number') context.executionId = data.executionId;
  if (typeof data.taskId === 'number') context.taskId = data.taskId;
  return context;
}

/** Runs a job's handler so that each line logged meanwhile names the job and its execution and task. */
export function runWithJobContext<T>(job: { name: string; id?: string; data: unknown }, run: () => Promise<T>): Promise<T> {
  return current.run(jobLogContextOf(job), run);
}

/** pino's mixin: the running job's fields, or none outside a job. */
export function jobLogFields(): Partial<JobLogContext> {
  return current.getStore() ?? {};
}
