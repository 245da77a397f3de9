import { Injectable, Logger } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import { EVENT_TYPES, EventConsumer, projectOf, type AfterCommit, type EventHandler, type EventType, type RegistryEvent } from '@wharf/events';
import { AppConfig } from '@wharf/config';
import { ExecutionService, JobName, JobQueues, RETRY_SCHEDULE, taskJobId } from '@wharf/jobs';
import { addressWithoutSecret, type WebhookPolicy } from './webhook-policy';
import { WebhookPolicyService } from './webhook-policy.service';

export const WEBHOOK_VENDOR = 'WEBHOOK';

/**
 * A delivery is tried once, then again after each of WEBHOOK_RETRY_DELAYS_SECONDS (default 1, 2,
 * 4, 8 s: five attempts over about 15 s); the worker's backoff strategy reads the schedule.
 */
export function deliveryJobOptions(config: AppConfig, jobId: string): { jobId: string; attempts: number; backoff: { type: string } } {
  return { jobId, attempts: config.webhookRetryDelaysMs.length + 1, backoff: { type: RETRY_SCHEDULE } };
}

export interface Delivery {
  executionId: number;
  taskId: number;
  policyId: number;
  targetIndex: number;
  eventId: number;
}

/**
 * Webhooks as a consumer of the event stream: each event becomes, per matching policy, an
 * execution (vendor WEBHOOK, the policy's id) with one task per target, written in the batch's
 * transaction (so once per event); the delivery jobs are queued once it commits, so a job
 * always finds its task. A crash between the two leaves pending tasks, which the watchdog ends.
 */
@EventConsumer({ name: 'webhooks', types: EVENT_TYPES })
@Injectable()
export class WebhookEventConsumer implements EventHandler {
  private readonly logger = new Logger(WebhookEventConsumer.name);

  constructor(
    private readonly policies: WebhookPolicyService,
    private readonly executions: ExecutionService,
    private readonly queues: JobQueues,
    private readonly config: AppConfig,
  ) {}

  async handle(tx: SqlExecutor, events: RegistryEvent[]): Promise<AfterCommit> {
    const deliveries: Delivery[] = [];
    // a batch is mostly a few projects and types (a burst of pulls): one policy query for each pair
    const matching = new Map<string, Promise<WebhookPolicy[]>>();
    const policiesFor = (project: string, type: EventType): Promise<WebhookPolicy[]> => {
      const key = `${type}\u0000${project}`;
      if (!matching.has(key)) matching.set(key, this.policies.matching(tx, project, type));
      return matching.get(key)!;
    };
    for (const event of events) {
      for (const policy of await policiesFor(projectOf(event.data.repository), event.type)) {
        const { executionId, taskIds } = await this.executions.create(
          {
            vendorType: WEBHOOK_VENDOR,
            vendorId: policy.id,
            trigger: 'EVENT',
            extraAttrs: { event_type: event.type, event_id: event.id },
            tasks: policy.targets.map((t) => ({ address: addressWithoutSecret(t.address), event_type: event.type, payload_format: t.payload_format })),
          },
          tx,
        );
        taskIds.forEach((taskId, targetIndex) => deliveries.push({ executionId, taskId, policyId: policy.id, targetIndex, eventId: event.id }));
      }
    }
    return async () => {
      for (const delivery of deliveries) await this.enqueue(delivery);
    };
  }

  /** Queues one delivery and records its job on the task (a redelivery queues through here too). */
  async enqueue(delivery: Delivery): Promise<void> {
    const jobId = taskJobId('webhook', delivery.taskId);
    try {
      await this.queues.enqueue(
        { name: JobName.WebhookDelivery, data: delivery },
        deliveryJobOptions(this.config, jobId),
      );
      await this.executions.attachJob(delivery.taskId, JobName.WebhookDelivery, jobId);
    } catch (error) {
      // the task stays Pending without a job: the watchdog ends it as Error
      this.logger.error(`could not queue webhook delivery task ${delivery.taskId}: ${(error as Error).message}`);
    }
  }
}
