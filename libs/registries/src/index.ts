export * from './registry-endpoint';
export * from './upstream/upstream-registry';
export * from './upstream/create-upstream-registry';
export * from './registry-input';
export * from './registry-pinger';
export * from './registry-references';
export * from './registry.service';
export * from './registries.module';
// the write side (replication) builds on the same client and helpers
export * from './upstream/distribution-client';
export { registryUrl, DEFAULT_REGISTRY_URLS } from './upstream/default-registry-urls';
export { dockerHubRegistryUrl } from './upstream/docker-hub.adapter';
export { errorForStatus, describeUrl } from './upstream/upstream-failure';
