export * from './replication-copy';
export * from './copy/replication-copy.module';
export * from './adapters/replication-adapter';
export * from './adapters/create-replication-adapter';
