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
  /** replication: resolving an execution's artifacts and copying each one (a task); a copy may take minutes */
  Replication = 'replication',
  /** P2P preheat tasks: each polls its provider for minutes, so they get slots of their own */
  Preheat = 'preheat',
  /** tag retention runs: one job walks a whole project, never in front of maintenance jobs */
  Retention = 'retention',
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
  /** resolves a replication policy to its artifacts (one task each) and queues their ReplicationTask jobs */
  ReplicationExecution = 'replication-execution',
  /** copies (or deletes at the destination) one artifact of a replication execution: one task */
  ReplicationTask = 'replication-task',
  /** a tick of a scheduled replication policy: starts an execution (trigger SCHEDULE) */
  ScheduledReplication = 'scheduled-replication',
  /** one preheat task: hands one artifact to the policy's P2P provider and follows it to its end */
  PreheatTask = 'preheat-task',
  /** a tick of a scheduled preheat policy: selects the artifacts and launches an execution */
  ScheduledPreheat = 'scheduled-preheat',
  /** one run of a tag retention policy (or a dry run of an unsaved one): its execution and tasks exist beforehand */
  RetentionRun = 'retention-run',
  /** a tick of a retention policy's schedule: creates the execution, then queues RetentionRun */
  ScheduledRetention = 'scheduled-retention',
}

export interface PreheatTaskPayload {
  executionId: number;
  taskId: number;
  policyId: number;
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

export interface ReplicationExecutionPayload {
  executionId: number;
  policyId: number;
  /** decide and log what would be copied, skipped or deleted; move nothing */
  dryRun: boolean;
}

export interface ReplicationTaskPayload {
  executionId: number;
  taskId: number;
  dryRun: boolean;
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

export interface RetentionRunPayload {
  executionId: number;
}

/** Declares a job's payload type (compile time only) beside its queue (run time). */
function job<Payload>(queue: QueueName): { queue: QueueName; payload: Payload } {
  return { queue, payload: undefined as Payload };
}

/**
 * Every job: the queue that carries it and the type of its payload. A new job is an entry here
 * (with its name in JobName) and a method marked @OnJob(name) in a worker provider; the worker
 * finds the handler at boot and refuses to start without exactly one per job.
 */
export const JOBS = {
  [JobName.PurgeAbandonedUploads]: job<{ olderThanHours?: number }>(QueueName.Maintenance),
  [JobName.ExecutionWatchdog]: job<Record<string, never>>(QueueName.Maintenance),
  [JobName.GarbageCollection]: job<GarbageCollectionPayload>(QueueName.GarbageCollection),
  [JobName.ScheduledGarbageCollection]: job<GarbageCollectionOptions>(QueueName.Maintenance),
  [JobName.RelayEvents]: job<Record<string, never>>(QueueName.Events),
  [JobName.WebhookDelivery]: job<WebhookDeliveryPayload>(QueueName.Webhook),
  [JobName.ExpireProxyCache]: job<Record<string, never>>(QueueName.Maintenance),
  [JobName.RegistryHealthSweep]: job<Record<string, never>>(QueueName.Maintenance),
  [JobName.RegistryHealthCheck]: job<{ registryId: number }>(QueueName.RegistryHealth),
  [JobName.ReplicationExecution]: job<ReplicationExecutionPayload>(QueueName.Replication),
  [JobName.ReplicationTask]: job<ReplicationTaskPayload>(QueueName.Replication),
  [JobName.ScheduledReplication]: job<{ policyId: number }>(QueueName.Maintenance),
  [JobName.PreheatTask]: job<PreheatTaskPayload>(QueueName.Preheat),
  [JobName.ScheduledPreheat]: job<{ policyId: number }>(QueueName.Maintenance),
  [JobName.RetentionRun]: job<RetentionRunPayload>(QueueName.Retention),
  [JobName.ScheduledRetention]: job<{ policyId: number }>(QueueName.Maintenance),
} satisfies Record<JobName, { queue: QueueName; payload: unknown }>;

/** Each job's payload type. */
export type JobPayloads = { [N in JobName]: (typeof JOBS)[N]['payload'] };

/** Which queue carries each job. */
export const JOB_QUEUE = Object.fromEntries(Object.entries(JOBS).map(([name, { queue }]) => [name, queue])) as Record<JobName, QueueName>;

export type JobOf<N extends JobName> = { name: N; data: JobPayloads[N] };
export type AnyJob = { [N in JobName]: JobOf<N> }[JobName];

/** Which run of a job this is: a handler that fails on its final attempt must end its task itself. */
export interface JobContext {
  attempt: number;
  finalAttempt: boolean;
}

/** The handler of job N (a method marked @OnJob(N)): its payload and which attempt this is. */
export type JobHandler<N extends JobName = JobName> = (data: JobPayloads[N], context: JobContext) => Promise<unknown>;
