import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { EventOutbox } from '@wharf/events';
import { SystemSettingsService } from '@wharf/projects';
import { CredentialVault } from '@wharf/secrets';
import { AttemptFailed, ExecutionService, type JobContext, type WebhookDeliveryPayload } from '@wharf/jobs';
import { webhookPayload } from './webhook-payload';
import { addressWithoutSecret } from './webhook-policy';
import { WebhookPolicyService } from './webhook-policy.service';
import { postWebhook } from './webhook-sender';

/**
 * One attempt at one delivery (a task): POST the event to the target, log the outcome on the
 * task. A failed attempt throws so BullMQ retries it with backoff; the last one ends the task
 * as Error instead. Idempotent: a task already ended is left alone. The target's address is
 * checked against the local-network setting as it is now, on the address actually connected to.
 */
@Injectable()
export class WebhookDelivery {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: EventOutbox,
    private readonly policies: WebhookPolicyService,
    private readonly executions: ExecutionService,
    private readonly vault: CredentialVault,
    private readonly settings: SystemSettingsService,
  ) {}

  async deliver(job: WebhookDeliveryPayload, context: JobContext): Promise<{ status: number }> {
    const policy = await this.policies.find(job.policyId);
    const target = policy?.targets[job.targetIndex];
    const event = await this.outbox.find(job.eventId);
    if (!policy || !target || !event) {
      await this.executions.transition(job.taskId, 'Stopped', 'the policy, its target or the event is gone');
      return { status: 0 };
    }
    if (!(await this.executions.transition(job.taskId, 'Running'))) return { status: 0 };
    const { body, contentType } = webhookPayload(event, policy, target, this.config.externalUrl);
    const headers: Record<string, string> = { 'content-type': contentType };
    // stored sealed (policies written before sealing existed hold it in clear until next saved)
    if (target.auth_header) headers.authorization = CredentialVault.isSealed(target.auth_header) ? this.vault.open(target.auth_header) : target.auth_header;
    const allowLocalNetwork = await this.settings.webhookAllowLocalNetwork();
    const result = await postWebhook(target.address, body, headers, { skipCertVerify: target.skip_cert_verify, allowLocalNetwork });
    const address = addressWithoutSecret(target.address);
    await this.executions.progress(job.taskId, { attempts: context.attempt, last_status: result.status });
    await this.executions.log(job.taskId, `attempt ${context.attempt}: POST ${address} -> ${result.message}`);
    if (result.ok) {
      await this.executions.transition(job.taskId, 'Success', result.message);
      return { status: result.status };
    }
    if (context.finalAttempt) {
      await this.executions.transition(job.taskId, 'Error', `${result.message} after ${context.attempt} attempt(s)`);
      return { status: result.status };
    }
    // expected now and then: a warning for the worker's log, the details are on the task
    throw new AttemptFailed(`webhook delivery to ${address} failed: ${result.message}`);
  }
}
