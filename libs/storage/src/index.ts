export * from './blob-driver';
