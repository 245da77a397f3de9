export * from './registry-endpoint';
export * from './upstream/upstream-registry';
export * from './upstream/create-upstream-registry';
export * from './registry.service';
export * from './registries.module';
