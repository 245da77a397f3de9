import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { EventOutbox, withRequestOrigin, type OutboxEntry } from './event-outbox';
import { EventType, type ArtifactEventData } from './event-types';

const FLUSH_INTERVAL_MS = 2_000;
/** beyond this many unflushed pulls (the database is down or slow) new ones are dropped, not hoarded */
const MAX_BUFFERED = 10_000;

/**
 * Pull events, kept off the hot path as pull times are: a manifest GET notes the pull here and
 * the notes reach the outbox in one insert every couple of seconds (and on shutdown). A crash
 * loses at most those seconds of pull events, never a push or a delete. Each keeps the time it
 * happened, so the stream's consumers (the audit log) see pulls where they belong in time.
 */
@Injectable()
export class PullEventBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(PullEventBuffer.name);
  private pending: OutboxEntry[] = [];
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly outbox: EventOutbox) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(data: ArtifactEventData): void {
    if (this.pending.length >= MAX_BUFFERED) {
      this.dropped += 1;
      return;
    }
    // the request's origin and the time of the pull are taken now: the flush runs outside the request, later
    this.pending.push(withRequestOrigin({ type: EventType.PullArtifact, data, occurredAt: new Date() }));
  }

  async flush(): Promise<void> {
    if (this.dropped) {
      this.logger.warn(`dropped ${this.dropped} pull event(s): the outbox is not keeping up`);
      this.dropped = 0;
    }
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    try {
      await this.outbox.append(events);
    } catch (error) {
      this.logger.warn(`could not record ${events.length} pull event(s): ${(error as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
