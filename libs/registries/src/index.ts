export * from './registry-endpoint';
export * from './upstream/upstream-registry';
