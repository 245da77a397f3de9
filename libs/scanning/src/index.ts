export * from './scan-report';
export * from './adapter';
export * from './scans';
export * from './scanning.module';
export * from './reports';
