import { Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookPolicyService } from './webhook-policy.service';

/** Owns webhook policies and their deliveries (executions of vendor WEBHOOK). */
@Module({
  imports: [EventsModule],
  providers: [WebhookPolicyService, WebhookDispatcher, WebhookDelivery],
  exports: [WebhookPolicyService, WebhookDispatcher, WebhookDelivery],
})
export class WebhooksModule {}
