import { Module } from '@nestjs/common';
import { WebhooksModule } from '@wharf/webhooks';
import { ManagementModule } from '../management/management.module';
import { WebhookManagementService } from './webhook-management.service';
import { WebhookPoliciesController } from './webhook-policies.controller';

/** Management API /projects/{p}/webhook. */
@Module({
  imports: [ManagementModule, WebhooksModule],
  controllers: [WebhookPoliciesController],
  providers: [WebhookManagementService],
})
export class WebhooksApiModule {}
