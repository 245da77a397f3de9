import { Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { SecretsModule } from '@wharf/secrets';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookPolicyService } from './webhook-policy.service';

/** Owns webhook policies and their deliveries (executions of vendor WEBHOOK). */
@Module({
  imports: [EventsModule, SecretsModule],
  providers: [WebhookPolicyService, WebhookDispatcher, WebhookDelivery],
  exports: [WebhookPolicyService, WebhookDispatcher, WebhookDelivery],
})
export class WebhooksModule {}
