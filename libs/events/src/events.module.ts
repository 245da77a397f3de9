import { Module } from '@nestjs/common';
import { EventOutbox } from './event-outbox';
import { PullEventBuffer } from './pull-event-buffer';

/** Owns registry events: their types and the durable outbox they travel through. */
@Module({
  providers: [EventOutbox, PullEventBuffer],
  exports: [EventOutbox, PullEventBuffer],
})
export class EventsModule {}
