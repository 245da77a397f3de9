import { Injectable } from '@nestjs/common';
import type { Permission, Principal } from '@wharf/iam';
import { RETENTION_METADATA, RetentionPolicies, RetentionRuns, type RetentionExecution, type RetentionPolicy, type RetentionPolicyInput, type RetentionTask } from '@wharf/retention';
import { ApiError } from '../management/api-error';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer, requireAuthenticated } from '../management/project-authorizer';
import type { RetentionPolicyRequest } from './retention.dto';

/**
 * /retentions: a policy is authorised through its project (`scope.ref`) with Harbor's
 * `tag-retention` permissions: project admins and maintainers manage and run policies,
 * developers read them, system admins everything. A policy or execution the caller may not see
 * answers as one that does not exist (404).
 */
@Injectable()
export class RetentionManagementService {
  constructor(
    private readonly policies: RetentionPolicies,
    private readonly runs: RetentionRuns,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  metadata(principal: Principal): typeof RETENTION_METADATA {
    requireAuthenticated(principal);
    return RETENTION_METADATA;
  }

  async list(principal: Principal, projectId: number): Promise<RetentionPolicy[]> {
    await this.authorizer.require(principal, String(projectId), 'tag-retention:list');
    return this.policies.ofProject(projectId);
  }

  async get(principal: Principal, id: number): Promise<RetentionPolicy> {
    return this.policyFor(principal, id, 'tag-retention:read');
  }

  async create(actor: Actor, body: RetentionPolicyRequest): Promise<RetentionPolicy> {
    const input = inputOf(body);
    await this.authorizer.require(actor.principal, String(input.scope.ref), 'tag-retention:create');
    return this.policies.create(input, auditActorOf(actor));
  }

  async update(actor: Actor, id: number, body: RetentionPolicyRequest): Promise<void> {
    const policy = await this.policyFor(actor.principal, id, 'tag-retention:update');
    const input = inputOf(body);
    if (input.scope.ref !== policy.scope.ref) throw new ApiError('BAD_REQUEST', 'a policy stays with its project: scope.ref cannot change');
    await this.policies.update(id, input, auditActorOf(actor));
  }

  async delete(actor: Actor, id: number): Promise<void> {
    await this.policyFor(actor.principal, id, 'tag-retention:delete');
    await this.policies.delete(id, auditActorOf(actor));
  }

  async execute(actor: Actor, id: number, dryRun: boolean): Promise<number> {
    const policy = await this.policyFor(actor.principal, id, 'tag-retention:operate');
    return this.runs.launch({ projectId: policy.scope.ref, rules: policy.rules, policyId: policy.id }, { dryRun, trigger: 'MANUAL', actor: auditActorOf(actor) });
  }

  /** The preview of a body not saved: a dry run of it (needs the right to run policies). */
  async dryRunUnsaved(actor: Actor, body: RetentionPolicyRequest): Promise<number> {
    const input = inputOf(body);
    await this.authorizer.require(actor.principal, String(input.scope.ref), 'tag-retention:operate');
    return this.runs.previewUnsaved(input, auditActorOf(actor));
  }

  async executions(principal: Principal, id: number, query: PageQuery): Promise<{ items: RetentionExecution[]; total: number }> {
    await this.policyFor(principal, id, 'tag-retention:list');
    return this.runs.list(id, { offset: offsetOf(query), limit: query.page_size });
  }

  async stop(actor: Actor, id: number, executionId: number): Promise<void> {
    const policy = await this.policyFor(actor.principal, id, 'tag-retention:operate');
    await this.execution(id, executionId);
    await this.runs.requestStop(executionId, policy.scope.ref, auditActorOf(actor));
  }

  async tasks(principal: Principal, id: number | null, executionId: number): Promise<RetentionTask[]> {
    await this.visibleExecution(principal, id, executionId);
    return this.runs.tasks(executionId);
  }

  async taskLog(principal: Principal, id: number | null, executionId: number, taskId: number): Promise<string> {
    await this.visibleExecution(principal, id, executionId);
    const log = await this.runs.taskLog(executionId, taskId);
    if (log === null) throw new ApiError('NOT_FOUND', `task ${taskId} not found`);
    return log;
  }

  async dryRun(principal: Principal, executionId: number): Promise<RetentionExecution> {
    return this.visibleExecution(principal, null, executionId);
  }

  /** An execution of policy `id` (or, null, an unsaved body's dry run) the caller may read. */
  private async visibleExecution(principal: Principal, id: number | null, executionId: number): Promise<RetentionExecution> {
    if (id !== null) await this.policyFor(principal, id, 'tag-retention:read');
    const execution = await this.execution(id, executionId);
    if (id === null) await this.authorizer.require(principal, String(execution.project_id), 'tag-retention:read');
    return execution;
  }

  private async execution(id: number | null, executionId: number): Promise<RetentionExecution> {
    const execution = await this.runs.find(id, executionId);
    if (!execution) throw new ApiError('NOT_FOUND', `retention execution ${executionId} not found`);
    return execution;
  }

  private async policyFor(principal: Principal, id: number, wanted: Permission): Promise<RetentionPolicy> {
    const policy = await this.policies.get(id);
    if (!policy) throw new ApiError('NOT_FOUND', `retention policy ${id} not found`);
    await this.authorizer.require(principal, String(policy.scope.ref), wanted);
    return policy;
  }
}

function inputOf(body: RetentionPolicyRequest): RetentionPolicyInput {
  return { algorithm: body.algorithm ?? 'or', rules: body.rules, trigger: body.trigger ?? { kind: 'Schedule', settings: {} }, scope: body.scope };
}
