import { Injectable } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import { ExecutionService, type TaskStatus } from '@wharf/jobs';
import { RegistryService } from '@wharf/registries';
import { REPLICATION_VENDOR, ReplicationLauncher, ReplicationPolicyService, registryInfoOf, type RegistryInfo, type ReplicationPolicy } from '@wharf/replication';
import { ApiError } from '../management/api-error';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf } from '../management/pagination';
import { requireSysadmin } from '../management/project-authorizer';
import { principalName } from '@wharf/iam';
import { toRegistryResponse, type RegistryResponse } from '../registries/registry.dto';
import {
  STATUS_WORD, toExecutionResponse, toPolicyInput, toPolicyResponse, toTaskResponse,
  type ExecutionListQuery, type PolicyListQuery, type ReplicationExecutionResponse, type ReplicationPolicyRequest, type ReplicationPolicyResponse,
  type ReplicationTaskResponse, type StartExecutionRequest, type TaskListQuery,
} from './replication.dto';

const STATUS_OF_WORD = Object.fromEntries(Object.entries(STATUS_WORD).map(([status, word]) => [word, status])) as Record<string, TaskStatus>;
const TRIGGER_OF_WORD: Record<string, string> = { manual: 'MANUAL', scheduled: 'SCHEDULE', event_based: 'EVENT' };

/**
 * Harbor's /replication/policies, /replication/executions and /registries/{id}/info, for system
 * administrators only (as Harbor). libs/replication validates, stores, audits and runs; this
 * class checks the caller and shapes Harbor's answers.
 */
@Injectable()
export class ReplicationManagementService {
  constructor(
    private readonly policies: ReplicationPolicyService,
    private readonly launcher: ReplicationLauncher,
    private readonly executions: ExecutionService,
    private readonly registries: RegistryService,
  ) {}

  async listPolicies(principal: Principal, query: PolicyListQuery): Promise<{ items: ReplicationPolicyResponse[]; total: number }> {
    requireSysadmin(principal);
    const name = parseHarborQuery(query.q, ['name']).get('name');
    if (name && name.kind !== 'exact' && name.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'name takes a value (=) or a substring (=~)');
    const byName = name ?? (query.name ? { kind: 'fuzzy' as const, value: query.name } : undefined);
    const { items, total } = await this.policies.list({ name: byName?.value, exactName: byName?.kind === 'exact', offset: offsetOf(query), limit: query.page_size });
    return { items: await this.withRegistries(items), total };
  }

  async getPolicy(principal: Principal, id: number): Promise<ReplicationPolicyResponse> {
    requireSysadmin(principal);
    return (await this.withRegistries([await this.policies.get(id)]))[0];
  }

  async createPolicy(actor: Actor, request: ReplicationPolicyRequest): Promise<number> {
    requireSysadmin(actor.principal);
    const policy = await this.policies.create(toPolicyInput(request), principalName(actor.principal), auditActorOf(actor));
    return policy.id;
  }

  async updatePolicy(actor: Actor, id: number, request: ReplicationPolicyRequest): Promise<void> {
    requireSysadmin(actor.principal);
    await this.policies.update(id, toPolicyInput(request), auditActorOf(actor));
  }

  async deletePolicy(actor: Actor, id: number): Promise<void> {
    requireSysadmin(actor.principal);
    await this.policies.delete(id, auditActorOf(actor));
  }

  async start(actor: Actor, request: StartExecutionRequest): Promise<number> {
    requireSysadmin(actor.principal);
    const { executionId } = await this.launcher.start(request.policy_id, 'MANUAL', { dryRun: request.dry_run ?? false }, auditActorOf(actor));
    return executionId;
  }

  async listExecutions(principal: Principal, query: ExecutionListQuery): Promise<{ items: ReplicationExecutionResponse[]; total: number }> {
    requireSysadmin(principal);
    const { items, total } = await this.executions.list(
      REPLICATION_VENDOR,
      { offset: offsetOf(query), limit: query.page_size },
      { vendorId: query.policy_id, status: query.status ? STATUS_OF_WORD[query.status] : undefined, trigger: query.trigger ? TRIGGER_OF_WORD[query.trigger] : undefined },
    );
    return { items: items.map(toExecutionResponse), total };
  }

  async getExecution(principal: Principal, id: number): Promise<ReplicationExecutionResponse> {
    requireSysadmin(principal);
    return toExecutionResponse(await this.launcher.get(id));
  }

  async stop(actor: Actor, id: number): Promise<void> {
    requireSysadmin(actor.principal);
    await this.launcher.stop(id, auditActorOf(actor));
  }

  async listTasks(principal: Principal, id: number, query: TaskListQuery): Promise<{ items: ReplicationTaskResponse[]; total: number }> {
    requireSysadmin(principal);
    await this.launcher.get(id);
    const tasks = (await this.executions.tasks(id, { withJob: true })).map(toTaskResponse).filter(
      (task) => (!query.status || task.status === query.status) && (!query.resource_type || task.resource_type === query.resource_type),
    );
    return { items: tasks.slice(offsetOf(query), offsetOf(query) + query.page_size), total: tasks.length };
  }

  async taskLog(principal: Principal, id: number, taskId: number): Promise<string> {
    requireSysadmin(principal);
    await this.launcher.get(id);
    const task = await this.executions.task(taskId);
    if (!task || task.execution_id !== id) throw new ApiError('NOT_FOUND', `execution ${id} contains no task with ID ${taskId}`);
    return this.executions.readLog(taskId);
  }

  async registryInfo(principal: Principal, registryId: number): Promise<RegistryInfo> {
    requireSysadmin(principal);
    return registryInfoOf((await this.registries.get(registryId)).type);
  }

  private async withRegistries(policies: ReplicationPolicy[]): Promise<ReplicationPolicyResponse[]> {
    const ids = new Set(policies.flatMap((p) => [p.srcRegistryId, p.destRegistryId]).filter((id): id is number => id !== null));
    const registries = new Map<number, RegistryResponse>();
    for (const id of ids) registries.set(id, toRegistryResponse(await this.registries.get(id)));
    return policies.map((policy) => toPolicyResponse(policy, registries));
  }
}
