import { Module } from '@nestjs/common';
import { EventOutbox } from './event-outbox';
import { EventStream } from './event-stream';
import { PullEventBuffer } from './pull-event-buffer';

/** Owns registry events: their types, the durable outbox they are written to and the stream its consumers read. */
@Module({
  providers: [EventOutbox, EventStream, PullEventBuffer],
  exports: [EventOutbox, EventStream, PullEventBuffer],
})
export class EventsModule {}
