import { Injectable } from '@nestjs/common';
import { ConflictError } from '@wharf/errors';
import { EventOutbox } from '@wharf/events';
import { ExecutionService, type ExecutionRecord } from '@wharf/jobs';
import { SystemSettingsService } from '@wharf/projects';
import { WEBHOOK_VENDOR, WebhookEventConsumer } from './webhook-event-consumer';
import { addressWithoutSecret, type WebhookPolicy, type WebhookTarget } from './webhook-policy';
import { normaliseTestTargets } from './webhook-policy.service';
import { postWebhook } from './webhook-sender';

/** The outcome of a test event at one target. */
export interface WebhookTestResult {
  address: string;
  ok: boolean;
  status: number;
  message: string;
}

/**
 * What an operator does to deliveries by hand: send an execution's event again (a new execution
 * of the same policy, trigger MANUAL, to the targets that did not get it, or to all when every
 * target did) and send a test event to targets before saving them.
 */
@Injectable()
export class WebhookRedelivery {
  constructor(
    private readonly outbox: EventOutbox,
    private readonly executions: ExecutionService,
    private readonly consumer: WebhookEventConsumer,
    private readonly settings: SystemSettingsService,
  ) {}

  /** Queues the event of `execution` again; the new execution's id. */
  async redeliver(policy: WebhookPolicy, execution: ExecutionRecord): Promise<number> {
    const eventId = Number(execution.extra_attrs.event_id);
    const event = Number.isInteger(eventId) ? await this.outbox.find(eventId) : null;
    if (!event) throw new ConflictError(`the event of execution ${execution.id} is no longer kept; it cannot be delivered again`);
    const tasks = await this.executions.tasks(execution.id);
    const missed = new Set(tasks.filter((t) => t.status !== 'Success').map((t) => String(t.extra_attrs.address)));
    const indexes = policy.targets.map((t, i) => ({ t, i })).filter(({ t }) => !missed.size || missed.has(addressWithoutSecret(t.address)));
    if (!indexes.length) throw new ConflictError(`no target of policy ${policy.id} is still among those execution ${execution.id} failed to reach`);
    const { executionId, taskIds } = await this.executions.create({
      vendorType: WEBHOOK_VENDOR,
      vendorId: policy.id,
      trigger: 'MANUAL',
      extraAttrs: { event_type: event.type, event_id: event.id, redelivery_of: execution.id },
      tasks: indexes.map(({ t }) => ({ address: addressWithoutSecret(t.address), event_type: event.type, payload_format: t.payload_format })),
    });
    for (const [n, taskId] of taskIds.entries()) {
      await this.consumer.enqueue({ executionId, taskId, policyId: policy.id, targetIndex: indexes[n].i, eventId: event.id });
    }
    return executionId;
  }

  /**
   * POSTs a test event (type `TEST`, no artifact) to each target, once, through the same address
   * policy as deliveries (webhook_allow_local_network); the answer per target.
   */
  async test(projectName: string, given: Partial<WebhookTarget>[], operator: string): Promise<WebhookTestResult[]> {
    const targets = normaliseTestTargets(given);
    const allowLocalNetwork = await this.settings.webhookAllowLocalNetwork();
    const now = new Date();
    return Promise.all(
      targets.map(async (target) => {
        const data = { repository: { namespace: projectName }, resources: [], custom_attributes: { details: 'a test event sent from Wharf' } };
        const body =
          target.payload_format === 'CloudEvents'
            ? JSON.stringify({ specversion: '1.0', id: `test-${now.getTime()}`, source: `/projects/${projectName}/webhook/policies/test`, type: 'harbor.webhook.test', datacontenttype: 'application/json', time: now.toISOString(), operator, data })
            : JSON.stringify({ type: 'TEST', occur_at: Math.floor(now.getTime() / 1000), operator, event_data: data });
        const headers: Record<string, string> = { 'content-type': target.payload_format === 'CloudEvents' ? 'application/cloudevents+json' : 'application/json' };
        if (target.auth_header) headers.authorization = target.auth_header;
        const result = await postWebhook(target.address, body, headers, { skipCertVerify: target.skip_cert_verify, allowLocalNetwork });
        return { address: addressWithoutSecret(target.address), ok: result.ok, status: result.status, message: result.message };
      }),
    );
  }
}
