export * from './scan-report';
export * from './reports';
