import { Injectable } from '@nestjs/common';
import { JobName, type JobHandlers } from '@wharf/jobs';
import { WebhookDelivery } from '@wharf/webhooks';

/** Webhook deliveries: one POST per job run, retried by BullMQ with backoff (see WebhookDispatcher). */
@Injectable()
export class WebhookDeliveryProcessor {
  constructor(private readonly delivery: WebhookDelivery) {}

  handlers(): JobHandlers {
    return {
      [JobName.WebhookDelivery]: (data, context) => this.delivery.deliver(data, context),
    };
  }
}
