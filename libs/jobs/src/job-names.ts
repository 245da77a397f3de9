/**
 * Queue and job names, each job paired with its payload type. These strings live in Redis:
 * NEVER rename one that has shipped (queued jobs would be orphaned); add new ones instead.
 */
export enum QueueName {
  Maintenance = 'maintenance',
}

export enum JobName {
  PurgeAbandonedUploads = 'purge-abandoned-uploads',
}

export interface JobPayloads {
  [JobName.PurgeAbandonedUploads]: { olderThanHours?: number };
}

/** Which queue carries each job. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.PurgeAbandonedUploads]: QueueName.Maintenance,
};

export type JobOf<N extends JobName> = { name: N; data: JobPayloads[N] };
export type AnyJob = { [N in JobName]: JobOf<N> }[JobName];

/** What a processor offers the worker: a handler per job name it owns. */
export type JobHandlers = { [N in JobName]?: (data: JobPayloads[N]) => Promise<unknown> };
