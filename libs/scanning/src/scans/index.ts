export * from './report-summary';
export * from './sbom-accessories';
export * from './scan-all';
export * from './scan-event-consumer';
export * from './scan-launcher';
export * from './scan-report-store';
export * from './scan-robots';
export * from './scan-task-runner';
