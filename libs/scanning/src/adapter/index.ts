export * from './adapter-client';
