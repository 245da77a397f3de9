import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { EventStream } from '@wharf/events';
import { JobName, OnJob } from '@wharf/jobs';
import { EventConsumerDiscovery, collectConsumers, type DiscoveredConsumer } from './event-consumer-discovery';

/** How often the stream is read (a repeating job; any number of workers may run it at once: sequencing and each consumer's batch are claimed with SKIP LOCKED). */
export const EVENT_RELAY_INTERVAL_MS = 1_000;
/** events numbered, or read by one consumer, per transaction */
export const EVENT_BATCH = 100;
const PRUNE_INTERVAL_MS = 10 * 60_000;
/** events every consumer has passed are kept this long (webhook deliveries being retried re-read them) */
const KEEP_CONSUMED_HOURS = 24;

/**
 * Reads the event stream for every consumer this worker has (providers marked @EventConsumer,
 * found at boot; two with one name stop the boot): numbers what was committed, then runs each
 * consumer's batches until it has caught up, and now and then prunes what all have passed. A
 * consumer that throws keeps its place and is tried again on the next run; the others go on.
 */
@Injectable()
export class EventRelayProcessor implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(EventRelayProcessor.name);
  private consumers: DiscoveredConsumer[] = [];
  private lastPrune = 0;

  constructor(
    private readonly stream: EventStream,
    private readonly discovery: EventConsumerDiscovery,
  ) {}

  /** Every provider exists by now; a doubled consumer name stops the boot before any event is read. */
  onModuleInit(): void {
    this.consumers = collectConsumers(this.discovery.discover());
  }

  /** A consumer seen for the first time gets its cursor at the head: it starts from now. */
  async onApplicationBootstrap(): Promise<void> {
    const added = await this.stream.register(this.consumers.map((c) => c.name), EVENT_BATCH);
    if (added.length) this.logger.log(`new event consumer(s) start from the head of the stream: ${added.join(', ')}`);
  }

  @OnJob(JobName.RelayEvents)
  async relay(): Promise<{ relayed: Record<string, number> }> {
    await this.stream.sequenceAll(EVENT_BATCH);
    const counts = await Promise.all(this.consumers.map((consumer) => this.drain(consumer)));
    if (Date.now() - this.lastPrune > PRUNE_INTERVAL_MS) {
      this.lastPrune = Date.now();
      const pruned = await this.stream.prune(KEEP_CONSUMED_HOURS);
      if (pruned) this.logger.log(`pruned ${pruned} event(s) every consumer had passed`);
    }
    return { relayed: Object.fromEntries(this.consumers.map((consumer, i) => [consumer.name, counts[i]])) };
  }

  /** Batches of one consumer until it has caught up or another worker holds it; returns how many events it was handed. */
  private async drain(consumer: DiscoveredConsumer): Promise<number> {
    let handled = 0;
    try {
      for (;;) {
        const batch = await this.stream.consume(consumer.name, consumer.types, EVENT_BATCH, (tx, events) => consumer.handler.handle(tx, events));
        handled += batch.handled;
        if (!batch.claimed || batch.passed < EVENT_BATCH) return handled;
      }
    } catch (error) {
      this.logger.error(`event consumer ${consumer.name} failed; it keeps its place and retries: ${(error as Error).message}`);
      return handled;
    }
  }
}
