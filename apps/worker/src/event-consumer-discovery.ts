import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EVENT_CONSUMER, type EventConsumerOptions, type EventHandler } from '@wharf/events';

/** A provider marked @EventConsumer, with what it declared; `owner` names it in boot errors. */
export interface DiscoveredConsumer extends EventConsumerOptions {
  owner: string;
  handler: EventHandler;
}

/** Finds the consumers of the event stream among every provider of the application: those marked @EventConsumer. */
@Injectable()
export class EventConsumerDiscovery {
  constructor(private readonly discovery: DiscoveryService) {}

  discover(): DiscoveredConsumer[] {
    const found: DiscoveredConsumer[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      // request-scoped providers have no instance at boot, and the stream is read outside any request
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const options = Reflect.getMetadata(EVENT_CONSUMER, instance.constructor) as EventConsumerOptions | undefined;
      if (!options) continue;
      found.push({ ...options, owner: instance.constructor.name, handler: instance as EventHandler });
    }
    return found;
  }
}

/** The consumers, one per name, or an error naming the name declared twice (the worker refuses to start). */
export function collectConsumers(found: DiscoveredConsumer[]): DiscoveredConsumer[] {
  const byName = new Map<string, DiscoveredConsumer>();
  for (const consumer of found) {
    const previous = byName.get(consumer.name);
    // one provider can be reached through two modules: the same instance is still one consumer
    if (previous && previous.handler === consumer.handler) continue;
    if (previous) throw new Error(`event consumer "${consumer.name}" is declared twice: ${previous.owner} and ${consumer.owner}`);
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(consumer.name)) throw new Error(`event consumer name "${consumer.name}" (${consumer.owner}) must be lower-case letters, digits and dashes`);
    byName.set(consumer.name, consumer);
  }
  return [...byName.values()];
}
