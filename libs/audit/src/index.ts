export * from './audit-actor';
export * from './audit-event-consumer';
export * from './audit-log.types';
export * from './audit-log.repository';
export * from './audit-log.service';
export * from './audit-trail';
export * from './audit.module';
