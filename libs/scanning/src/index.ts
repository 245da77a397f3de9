export * from './scan-report';
export * from './adapter';
