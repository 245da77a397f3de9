import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { DockerTokenService } from '@wharf/iam';
import { ExecutionService, type PreheatTaskPayload } from '@wharf/jobs';
import type { PreheatTaskAttrs } from './preheat-launcher';
import { PreheatInstanceService } from './preheat-instance.service';
import { PreheatPolicyService } from './preheat-policy.service';
import { createPreheatProvider } from './providers/provider-factory';
import { ProviderError, type PreheatState } from './providers/preheat-provider';

/**
 * The subject of the pull-only tokens handed to an instance (pulls show it as the operator). A
 * ':' no user name may hold (see the users API), so no account's rights or revocations ever
 * apply to these tokens.
 */
export const preheatTokenSubject = (instanceName: string): string => `p2p-preheat:${instanceName}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one preheat task: checks the instance's health (recorded on the instance), issues a
 * pull-only token for the artifact's repository valid for the whole task timeout, hands the
 * artifact to the provider, then polls it every PREHEAT_POLL_INTERVAL_SECONDS until it ends, the
 * execution is stopped, or the timeout passes. Every provider answer that ends the task (its
 * status and body) is kept in the task log. The provider's job id is kept in the task's progress,
 * so a run resumed after a worker crash polls the same job instead of starting another.
 */
@Injectable()
export class PreheatTaskRunner {
  constructor(
    private readonly config: AppConfig,
    private readonly executions: ExecutionService,
    private readonly policies: PreheatPolicyService,
    private readonly instances: PreheatInstanceService,
    private readonly tokens: DockerTokenService,
  ) {}

  async run(job: PreheatTaskPayload): Promise<{ status: string }> {
    const task = (await this.executions.tasks(job.executionId)).find((t) => t.id === job.taskId);
    if (!task || ['Success', 'Error', 'Stopped'].includes(task.status)) return { status: task?.status ?? 'gone' };
    if (await this.executions.stopRequested(job.executionId)) return this.end(job.taskId, 'Stopped', 'stopped before it started');
    if (!(await this.executions.transition(job.taskId, 'Running'))) return { status: 'taken' };
    const attrs = task.extra_attrs as unknown as PreheatTaskAttrs;
    const policy = await this.policies.find(job.policyId);
    if (!policy) return this.end(job.taskId, 'Stopped', 'the policy was deleted');
    const instance = await this.instances.find(policy.providerId);
    if (!instance) return this.end(job.taskId, 'Error', 'the preheat instance is gone');

    const health = await this.instances.checkHealth(instance.id);
    if (!health.ok) return this.end(job.taskId, 'Error', `provider ${instance.name} is down: ${health.message}`);
    await this.executions.log(job.taskId, `provider ${instance.name} (${instance.vendor}${instance.api_version ? ` ${instance.api_version}` : ''}) is healthy`);

    const provider = createPreheatProvider(await this.instances.connection(instance.id));
    const timeoutMs = this.config.PREHEAT_TASK_TIMEOUT_MINUTES * 60_000;
    const startedAt = task.start_time ? new Date(task.start_time).getTime() : Date.now();
    const deadline = startedAt + timeoutMs;
    const progress = await this.executions.taskProgress(job.taskId);
    let providerTaskId = typeof progress.provider_task_id === 'string' ? progress.provider_task_id : '';
    try {
      if (!providerTaskId) {
        const token = await this.tokens.issue(preheatTokenSubject(instance.name), [{ type: 'repository', name: attrs.repository, actions: ['pull'] }], {
          lifetimeSeconds: Math.max(60, Math.ceil((deadline - Date.now()) / 1000)),
        });
        const url = `${this.config.externalUrl}/v2/${attrs.repository}/manifests/${attrs.tag}`;
        const started = await provider.preheat({
          url,
          headers: { Authorization: `Bearer ${token.token}` },
          repository: attrs.repository,
          tag: attrs.tag,
          digest: attrs.digest,
          mediaType: attrs.media_type,
          extraAttrs: policy.extraAttrs,
        });
        providerTaskId = started.taskId;
        await this.executions.progress(job.taskId, { provider_task_id: providerTaskId, provider_state: started.final?.state ?? 'started' });
        await this.executions.log(job.taskId, `${url} handed to ${instance.name}: ${started.message}`);
        if (started.final) return this.finish(job.taskId, started.final);
      } else await this.executions.log(job.taskId, `resuming: polling provider job ${providerTaskId}`);

      let lastMessage = '';
      for (let polls = 1; ; polls += 1) {
        if (Date.now() >= deadline) return this.end(job.taskId, 'Error', `timed out after ${this.config.PREHEAT_TASK_TIMEOUT_MINUTES} minute(s); provider job ${providerTaskId} still running (${lastMessage})`);
        await sleep(Math.min(this.config.PREHEAT_POLL_INTERVAL_SECONDS * 1000, Math.max(0, deadline - Date.now())));
        // providers have no cancel call: a stop ends the task; the provider may finish its job on its own
        if (await this.executions.stopRequested(job.executionId)) return this.end(job.taskId, 'Stopped', `stopped on request; provider job ${providerTaskId} is left to the provider`);
        const state = await provider.progress(providerTaskId);
        await this.executions.progress(job.taskId, { provider_state: state.state, polls });
        if (state.message && state.message !== lastMessage) await this.executions.log(job.taskId, `provider job ${providerTaskId}: ${state.message}`);
        lastMessage = state.message ?? lastMessage;
        if (state.state !== 'running') return this.finish(job.taskId, state);
      }
    } catch (error) {
      if (error instanceof ProviderError) return this.end(job.taskId, 'Error', `${error.reason}: ${error.message}`);
      return this.end(job.taskId, 'Error', `preheat failed: ${(error as Error).message}`);
    }
  }

  private async finish(taskId: number, state: PreheatState): Promise<{ status: string }> {
    return state.state === 'success' ? this.end(taskId, 'Success', state.message ?? 'preheated') : this.end(taskId, 'Error', `provider reported failure: ${state.message ?? ''}`);
  }

  private async end(taskId: number, status: 'Success' | 'Error' | 'Stopped', message: string): Promise<{ status: string }> {
    await this.executions.log(taskId, `${status}: ${message}`);
    await this.executions.transition(taskId, status, message.slice(0, 1000));
    return { status };
  }
}
