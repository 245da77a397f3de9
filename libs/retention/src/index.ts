export * from './default-retention-policy';
export * from './proxy-cache-ttl';
export * from './retention-engine';
export * from './retention-policies';
export * from './retention-policy';
export * from './retention-runs';
export * from './retention.module';
