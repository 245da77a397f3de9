export * from './job-names';
export * from './job-queues';
export * from './jobs.module';
