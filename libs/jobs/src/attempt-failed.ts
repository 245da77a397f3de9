import { DomainError, describeFailure } from '@wharf/errors';

/**
 * One attempt of a job failed for a reason outside Wharf (a webhook receiver that is down or
 * answers 500): BullMQ retries it with backoff and the outcome is recorded on the task, so the
 * worker logs it as one warning line, not as an error of its own.
 */
export class AttemptFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttemptFailed';
  }
}

/**
 * The log line of a failed job attempt and its level: warn for an AttemptFailed or a domain error (a
 * refusal the job met, named by its kind), error for anything else (a defect).
 */
export function describeJobFailure(jobName: string, jobId: string | undefined, error: Error): { level: 'warn' | 'error'; message: string } {
  const expected = error instanceof AttemptFailed || error instanceof DomainError;
  return { level: expected ? 'warn' : 'error', message: `${jobName} ${jobId ?? ''} failed: ${describeFailure(error)}` };
}
