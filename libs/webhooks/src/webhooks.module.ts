import { Module } from '@nestjs/common';
import { EventsModule } from '@wharf/events';
import { SystemSettingsService } from '@wharf/projects';
import { SecretsModule } from '@wharf/secrets';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookEventConsumer } from './webhook-event-consumer';
import { WebhookPolicyService } from './webhook-policy.service';
import { WebhookRedelivery } from './webhook-redelivery';

/** Owns webhook policies and their deliveries (executions of vendor WEBHOOK). */
@Module({
  imports: [EventsModule, SecretsModule],
  // the settings service alone, not ProjectsModule: that brings IamModule, whose bootstrap creates the admin, into the worker
  providers: [WebhookPolicyService, WebhookEventConsumer, WebhookDelivery, WebhookRedelivery, SystemSettingsService],
  exports: [WebhookPolicyService, WebhookEventConsumer, WebhookDelivery, WebhookRedelivery],
})
export class WebhooksModule {}
