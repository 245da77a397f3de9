import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { JOB_QUEUE, JobName, ON_JOB, type JobHandler } from '@wharf/jobs';

/** A method marked @OnJob, bound to its provider; `owner` names it in boot errors ("UploadPurgeProcessor.purge"). */
export interface DiscoveredHandler {
  name: JobName;
  owner: string;
  handler: JobHandler;
}

/** Finds the job handlers of every provider in the application: the methods marked @OnJob. */
@Injectable()
export class JobHandlerDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  discover(): DiscoveredHandler[] {
    const found: DiscoveredHandler[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      // request-scoped providers have no instance at boot, and a job runs outside any request
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const name = Reflect.getMetadata(ON_JOB, prototype[method] as object) as JobName | undefined;
        if (!name) continue;
        const handler = (prototype[method] as JobHandler).bind(instance);
        found.push({ name, owner: `${instance.constructor.name}.${method}`, handler });
      }
    }
    return found;
  }
}

/** One handler per job name, or an error naming what is missing, doubled or unknown (the worker refuses to start). */
export function collectHandlers(found: DiscoveredHandler[]): Map<JobName, JobHandler> {
  const handlers = new Map<JobName, DiscoveredHandler>();
  for (const entry of found) {
    const previous = handlers.get(entry.name);
    if (previous) throw new Error(`job ${entry.name} has two handlers: ${previous.owner} and ${entry.owner}`);
    if (!JOB_QUEUE[entry.name]) throw new Error(`${entry.owner} handles job ${entry.name}, which has no queue`);
    handlers.set(entry.name, entry);
  }
  const missing = Object.values(JobName).filter((name) => !handlers.has(name));
  if (missing.length) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
  return new Map([...handlers].map(([name, entry]) => [name, entry.handler]));
}
