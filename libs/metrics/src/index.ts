export * from './wharf-metrics';
export * from './metrics.module';
export * from './metrics-listener';
export * from './process-gauges';
