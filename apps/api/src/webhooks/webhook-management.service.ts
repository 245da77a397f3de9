import { Injectable } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import { EVENT_TYPES, type EventType } from '@wharf/events';
import { principalName, type Permission, type Principal } from '@wharf/iam';
import { ExecutionService, type ExecutionRecord, type TaskRecord } from '@wharf/jobs';
import type { Project } from '@wharf/projects';
import { WEBHOOK_VENDOR, WebhookPolicyService, WebhookRedelivery, maskPolicy, type WebhookPolicy } from '@wharf/webhooks';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer } from '../management/project-authorizer';
import type { ProjectSelector } from '../projects/project-selector.decorator';
import type { WebhookPolicyRequest, WebhookTestRequest } from './webhook-policy.dto';

/**
 * /projects/{p}/webhook/...: project admins manage policies (maintainers list them), and read
 * each policy's deliveries. Auth headers never leave masked.
 */
@Injectable()
export class WebhookManagementService {
  constructor(
    private readonly policies: WebhookPolicyService,
    private readonly executions: ExecutionService,
    private readonly authorizer: ProjectAuthorizer,
    private readonly redelivery: WebhookRedelivery,
  ) {}

  async list(principal: Principal, selector: ProjectSelector, query: PageQuery): Promise<{ items: WebhookPolicy[]; total: number }> {
    const project = await this.project(principal, selector, 'notification-policy:list');
    const { items, total } = await this.policies.list(project.project_id, { offset: offsetOf(query), limit: query.page_size });
    return { items: items.map(maskPolicy), total };
  }

  async get(principal: Principal, selector: ProjectSelector, id: number): Promise<WebhookPolicy> {
    const project = await this.project(principal, selector, 'notification-policy:read');
    return maskPolicy(await this.policies.get(project.project_id, id));
  }

  async create(principal: Principal, selector: ProjectSelector, body: WebhookPolicyRequest): Promise<WebhookPolicy> {
    const project = await this.project(principal, selector, 'notification-policy:create');
    const creator = principalName(principal);
    return maskPolicy(await this.policies.create(project.project_id, body, creator));
  }

  async update(principal: Principal, selector: ProjectSelector, id: number, body: WebhookPolicyRequest): Promise<void> {
    const project = await this.project(principal, selector, 'notification-policy:update');
    await this.policies.update(project.project_id, id, body);
  }

  async delete(principal: Principal, selector: ProjectSelector, id: number): Promise<void> {
    const project = await this.project(principal, selector, 'notification-policy:delete');
    await this.policies.delete(project.project_id, id);
  }

  /** Harbor's /webhook/events: what a policy may subscribe to. */
  async eventTypes(principal: Principal, selector: ProjectSelector): Promise<{ event_type: EventType[]; notify_type: string[]; payload_formats: unknown[] }> {
    await this.project(principal, selector, 'notification-policy:list');
    return { event_type: [...EVENT_TYPES], notify_type: ['http'], payload_formats: [{ notify_type: 'http', formats: ['Default', 'CloudEvents'] }] };
  }

  async lastTriggers(principal: Principal, selector: ProjectSelector): Promise<unknown[]> {
    const project = await this.project(principal, selector, 'notification-policy:list');
    return this.policies.lastTriggers(project.project_id);
  }

  async listExecutions(principal: Principal, selector: ProjectSelector, policyId: number, query: PageQuery): Promise<{ items: ExecutionRecord[]; total: number }> {
    const project = await this.project(principal, selector, 'notification-policy:read');
    await this.policies.get(project.project_id, policyId);
    return this.executions.list(WEBHOOK_VENDOR, { offset: offsetOf(query), limit: query.page_size }, policyId);
  }

  async listTasks(principal: Principal, selector: ProjectSelector, policyId: number, executionId: number): Promise<(TaskRecord & { execution_id: number })[]> {
    await this.execution(principal, selector, policyId, executionId);
    return (await this.executions.tasks(executionId)).map((task) => ({ ...task, execution_id: executionId }));
  }

  async taskLog(principal: Principal, selector: ProjectSelector, policyId: number, executionId: number, taskId: number): Promise<string> {
    await this.execution(principal, selector, policyId, executionId);
    if (!(await this.executions.tasks(executionId)).some((t) => t.id === taskId)) throw new ApiError('NOT_FOUND', `task ${taskId} not found`);
    return this.executions.readLog(taskId);
  }

  /** Harbor v2.0's test of a policy's targets: a TEST event to each, through the address policy. */
  async test(principal: Principal, selector: ProjectSelector, body: WebhookTestRequest): Promise<void> {
    const project = await this.project(principal, selector, 'notification-policy:create');
    const results = await this.redelivery.test(project.name, body.targets, principalName(principal));
    const failed = results.filter((r) => !r.ok);
    if (failed.length) throw new ApiError('BAD_REQUEST', `the test event was not accepted: ${failed.map((r) => `${r.address}: ${r.message}`).join('; ')}`);
  }

  /** Queues an execution's event again to the targets it did not reach (all of them when it reached every one). */
  async redeliver(principal: Principal, selector: ProjectSelector, policyId: number, executionId: number): Promise<number> {
    const project = await this.project(principal, selector, 'notification-policy:update');
    const policy = await this.policies.get(project.project_id, policyId);
    const execution = await this.executions.find(WEBHOOK_VENDOR, executionId);
    if (!execution || execution.vendor_id !== policyId) throw new ApiError('NOT_FOUND', `execution ${executionId} not found`);
    if (execution.status === 'Pending' || execution.status === 'Running') throw new ApiError('CONFLICT', `execution ${executionId} is still ${execution.status}; retry it once it has ended`);
    return this.redelivery.redeliver(policy, execution);
  }

  private async execution(principal: Principal, selector: ProjectSelector, policyId: number, executionId: number): Promise<ExecutionRecord> {
    const project = await this.project(principal, selector, 'notification-policy:read');
    await this.policies.get(project.project_id, policyId);
    const execution = await this.executions.find(WEBHOOK_VENDOR, executionId);
    if (!execution || execution.vendor_id !== policyId) throw new ApiError('NOT_FOUND', `execution ${executionId} not found`);
    return execution;
  }

  private async project(principal: Principal, selector: ProjectSelector, wanted: Permission): Promise<Project> {
    return (await this.authorizer.require(principal, selector.nameOrId, wanted, selector.isResourceName)).project;
  }
}
