export * from './blob-driver';
export * from './blob-driver.factory';
export * from './blob-validation';
export * from './filesystem.adapter';
export * from './off-thread-digests';
export * from './s3.adapter';
export * from './storage.module';
export * from './copy-into-shared';
