export * from './scanner-registrations';
export * from './default-scanner-bootstrap';
export * from './scanners.module';
