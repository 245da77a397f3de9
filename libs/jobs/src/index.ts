export * from './execution.service';
export * from './job-ids';
export * from './job-names';
export * from './job-queues';
export * from './jobs.module';
export * from './on-job.decorator';
export * from './schedule.service';
export * from './attempt-failed';
