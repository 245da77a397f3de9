import { SetMetadata } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import type { EventType, RegistryEvent } from './event-types';

/** The metadata key under which @EventConsumer records a provider's name and the event types it wants. */
export const EVENT_CONSUMER = 'wharf:event-consumer';

export interface EventConsumerOptions {
  /** its cursor's name in `event_consumer`: stored in Postgres, never rename one that has shipped */
  name: string;
  /** the event types handed to it; the others pass by (its cursor moves over them) */
  types: readonly EventType[];
}

/** Work to do once the batch's transaction has committed (queueing jobs that read what the handler wrote). */
export type AfterCommit = () => Promise<void>;

/**
 * A consumer of the event stream. `handle` gets the next events of the types it asked for, in
 * stream order, and runs in the transaction that moves its cursor past them: what it writes
 * with `tx` commits with the cursor, so it happens once. Anything else (a call out, a job
 * queued by the returned AfterCommit) happens at least once: a batch is read again when the
 * worker dies before committing, so handlers must tolerate seeing an event twice.
 */
export interface EventHandler {
  handle(tx: SqlExecutor, events: RegistryEvent[]): Promise<AfterCommit | void>;
}

/**
 * Marks a provider as a consumer of the event stream. The worker finds every one at boot
 * through Nest's DiscoveryService (apps/worker/src/event-consumer-discovery.ts), refuses two
 * with one name, and gives a new one a cursor at the head: it starts from now.
 */
export function EventConsumer(options: EventConsumerOptions) {
  return <T extends abstract new (...args: never[]) => EventHandler>(target: T): void => {
    SetMetadata(EVENT_CONSUMER, options)(target);
  };
}
