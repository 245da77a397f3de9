import { Injectable } from '@nestjs/common';
import { JobName, OnJob, type JobContext, type WebhookDeliveryPayload } from '@wharf/jobs';
import { WebhookDelivery } from '@wharf/webhooks';

/** Webhook deliveries: one POST per job run, retried by BullMQ with backoff (see WebhookEventConsumer). */
@Injectable()
export class WebhookDeliveryProcessor {
  constructor(private readonly delivery: WebhookDelivery) {}

  @OnJob(JobName.WebhookDelivery)
  deliver(data: WebhookDeliveryPayload, context: JobContext): Promise<unknown> {
    return this.delivery.deliver(data, context);
  }
}
