export * from './blob-driver';
export * from './storage.module';
export * from './filesystem.adapter';
