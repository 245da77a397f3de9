export * from './blob-sweeper';
export * from './garbage-collector';
export * from './gc-launcher';
export * from './gc-schedule';
export * from './gc.module';
export * from './delete-pacer';
export * from './push-latency-signal';
