export * from './scan-report';
