export * from './registry-endpoint';
export * from './upstream/upstream-registry';
export * from './upstream/create-upstream-registry';
export * from './registry-input';
export * from './registry-pinger';
export * from './registry-references';
export * from './registry.service';
export * from './registries.module';
