/**
 * Queue and job names, each job paired with its payload type. These strings live in Redis:
 * NEVER rename one that has shipped (queued jobs would be orphaned); add new ones instead.
 */
export enum QueueName {
  Maintenance = 'maintenance',
  /** its own queue, so a long collection never delays maintenance jobs (or the other way round) */
  GarbageCollection = 'garbage-collection',
  /** the event outbox relay: short, frequent, never behind a slow job */
  Events = 'events',
  /** webhook deliveries: many slots, as a target may hang until its timeout */
  Webhook = 'webhook',
  /** registry endpoint pings: each may wait its whole timeout on an unreachable upstream */
  RegistryHealth = 'registry-health',
}

export enum JobName {
  PurgeAbandonedUploads = 'purge-abandoned-uploads',
  /** ends tasks whose worker died and pending tasks whose queued job was lost */
  ExecutionWatchdog = 'execution-watchdog',
  /** one run of the collector for an execution created beforehand */
  GarbageCollection = 'garbage-collection',
  /** a tick of the GC schedule: creates the execution, then queues GarbageCollection */
  ScheduledGarbageCollection = 'scheduled-garbage-collection',
  /** moves committed events from the outbox to their consumers (webhook deliveries) */
  RelayEvents = 'relay-events',
  /** one POST of one event to one webhook target (a task), retried with backoff */
  WebhookDelivery = 'webhook-delivery',
  /** daily: removes what proxy-cache projects cached and nobody pulled within their retention */
  ExpireProxyCache = 'expire-proxy-cache',
  /** every REGISTRY_HEALTH_INTERVAL_SECONDS: queues one RegistryHealthCheck per endpoint, each at a random moment of the period */
  RegistryHealthSweep = 'registry-health-sweep',
  /** pings one registry endpoint and records its status */
  RegistryHealthCheck = 'registry-health-check',
}

export interface WebhookDeliveryPayload {
  executionId: number;
  taskId: number;
  policyId: number;
  /** index into the policy's targets */
  targetIndex: number;
  /** the event_outbox row */
  eventId: number;
}

/** What a collection does; Harbor's `parameters` of a GC schedule. */
export interface GarbageCollectionOptions {
  /** also delete artifacts no tag points to (index children excepted) */
  deleteUntagged: boolean;
  /** find and count what a real run would free, delete nothing */
  dryRun: boolean;
  /** parallel storage deletions, 1-5 */
  workers: number;
}

export interface GarbageCollectionPayload extends GarbageCollectionOptions {
  executionId: number;
  taskId: number;
}

export interface JobPayloads {
  [JobName.PurgeAbandonedUploads]: { olderThanHours?: number };
  [JobName.ExecutionWatchdog]: Record<string, never>;
  [JobName.GarbageCollection]: GarbageCollectionPayload;
  [JobName.ScheduledGarbageCollection]: GarbageCollectionOptions;
  [JobName.RelayEvents]: Record<string, never>;
  [JobName.WebhookDelivery]: WebhookDeliveryPayload;
  [JobName.ExpireProxyCache]: Record<string, never>;
  [JobName.RegistryHealthSweep]: Record<string, never>;
  [JobName.RegistryHealthCheck]: { registryId: number };
}

/** Which queue carries each job. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.PurgeAbandonedUploads]: QueueName.Maintenance,
  [JobName.ExecutionWatchdog]: QueueName.Maintenance,
  [JobName.GarbageCollection]: QueueName.GarbageCollection,
  [JobName.ScheduledGarbageCollection]: QueueName.Maintenance,
  [JobName.RelayEvents]: QueueName.Events,
  [JobName.WebhookDelivery]: QueueName.Webhook,
  [JobName.ExpireProxyCache]: QueueName.Maintenance,
  [JobName.RegistryHealthSweep]: QueueName.Maintenance,
  [JobName.RegistryHealthCheck]: QueueName.RegistryHealth,
};

export type JobOf<N extends JobName> = { name: N; data: JobPayloads[N] };
export type AnyJob = { [N in JobName]: JobOf<N> }[JobName];

/** Which run of a job this is: a handler that fails on its final attempt must end its task itself. */
export interface JobContext {
  attempt: number;
  finalAttempt: boolean;
}

/** What a processor offers the worker: a handler per job name it owns. */
export type JobHandlers = { [N in JobName]?: (data: JobPayloads[N], context: JobContext) => Promise<unknown> };
