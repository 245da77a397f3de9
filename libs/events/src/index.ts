export * from './event-consumer.decorator';
export * from './event-origin';
export * from './event-outbox';
export * from './event-stream';
export * from './event-types';
export * from './events.module';
export * from './pull-event-buffer';
