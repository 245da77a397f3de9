export * from './event-outbox';
export * from './event-types';
export * from './events.module';
export * from './pull-event-buffer';
