import { Injectable, Logger } from '@nestjs/common';
import { EventOutbox } from '@wharf/events';
import { JobName, OnJob } from '@wharf/jobs';
import { WebhookDispatcher } from '@wharf/webhooks';

/** How often the relay runs (a repeating job; one run at a time across workers is not needed: rows are claimed with SKIP LOCKED). */
export const EVENT_RELAY_INTERVAL_MS = 1_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;
/** published events are kept this long (deliveries being retried re-read them) */
const KEEP_PUBLISHED_HOURS = 24;

/** Moves committed events from the outbox to webhook deliveries, and prunes what was published long ago. */
@Injectable()
export class EventRelayProcessor {
  private readonly logger = new Logger(EventRelayProcessor.name);
  private lastPrune = 0;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly outbox: EventOutbox,
  ) {}

  @OnJob(JobName.RelayEvents)
  async relay(): Promise<{ relayed: number }> {
    const relayed = await this.dispatcher.relayAll();
    if (Date.now() - this.lastPrune > PRUNE_INTERVAL_MS) {
      this.lastPrune = Date.now();
      const pruned = await this.outbox.prune(KEEP_PUBLISHED_HOURS);
      if (pruned) this.logger.log(`pruned ${pruned} published event(s)`);
    }
    return { relayed };
  }
}
