import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { principalName, type Permission, type Principal } from '@wharf/iam';
import { ExecutionService, type ExecutionRecord, type TaskRecord } from '@wharf/jobs';
import {
  PREHEAT_VENDOR, PROVIDERS, PreheatCandidates, PreheatInstanceService, PreheatLauncher, PreheatPolicyService,
  type ExcludedArtifact, type PreheatInstance, type PreheatPolicyView, type ProviderMetadata,
} from '@wharf/preheat';
import type { Project } from '@wharf/projects';
import { ApiError } from '../management/api-error';
import { auditActorOf } from '../management/audit-actor';
import type { Actor } from '../management/current-actor.decorator';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer, requireSysadmin } from '../management/project-authorizer';
import type { ProjectSelector } from '../projects/project-selector.decorator';
import type { PingPreheatInstanceRequest, PreheatInstanceRequest, PreheatPolicyRequest } from './preheat.dto';

export interface PreviewAnswer {
  policy: string;
  /** what a run now would hand to the provider, one entry per task */
  preheat: { repository: string; tag: string; digest: string; tags: string[]; url: string }[];
  /** every other artifact of the project, with the filter or rule that excluded it */
  excluded: ExcludedArtifact[];
}

/**
 * /p2p/preheat (system administrators: providers, instances) and /projects/{p}/preheat (Harbor's
 * preheat-policy permission: project admins, and robots granted it; maintainers have none, as in
 * Harbor). auth_info never leaves masked.
 */
@Injectable()
export class PreheatManagementService {
  constructor(
    private readonly instances: PreheatInstanceService,
    private readonly policies: PreheatPolicyService,
    private readonly candidates: PreheatCandidates,
    private readonly launcher: PreheatLauncher,
    private readonly executions: ExecutionService,
    private readonly authorizer: ProjectAuthorizer,
    private readonly config: AppConfig,
  ) {}

  providers(principal: Principal): ProviderMetadata[] {
    requireSysadmin(principal);
    return [...PROVIDERS];
  }

  async listInstances(principal: Principal, query: PageQuery): Promise<{ items: PreheatInstance[]; total: number }> {
    requireSysadmin(principal);
    const name = parseHarborQuery(query.q, ['name']).get('name');
    if (name && name.kind !== 'exact' && name.kind !== 'fuzzy') throw new ApiError('BAD_REQUEST', 'name takes a value (=) or a substring (=~)');
    return this.instances.list({ name: name?.value, exactName: name?.kind === 'exact', offset: offsetOf(query), limit: query.page_size });
  }

  async getInstance(principal: Principal, name: string): Promise<PreheatInstance> {
    requireSysadmin(principal);
    return this.instances.get(name);
  }

  async createInstance(actor: Actor, body: PreheatInstanceRequest): Promise<PreheatInstance> {
    requireSysadmin(actor.principal);
    return this.instances.create(body, auditActorOf(actor));
  }

  async updateInstance(actor: Actor, name: string, body: PreheatInstanceRequest): Promise<void> {
    requireSysadmin(actor.principal);
    await this.instances.update(name, body, auditActorOf(actor));
  }

  async deleteInstance(actor: Actor, name: string): Promise<void> {
    requireSysadmin(actor.principal);
    await this.instances.delete(name, auditActorOf(actor));
  }

  /** 200 when the provider answers its health path; 400 with the provider's answer otherwise. */
  async ping(principal: Principal, body: PingPreheatInstanceRequest): Promise<void> {
    requireSysadmin(principal);
    const outcome = await this.instances.ping(await this.instances.connectionFor(body));
    if (!outcome.ok) throw new ApiError('BAD_REQUEST', outcome.message);
  }

  /** Harbor's /projects/{p}/preheat/providers: the instances a policy may use. */
  async providersUnderProject(principal: Principal, selector: ProjectSelector): Promise<{ id: number; provider: string; enabled: boolean; default: boolean }[]> {
    await this.project(principal, selector, 'preheat-policy:read');
    const { items } = await this.instances.list({ offset: 0, limit: 1000 });
    return items.map((i) => ({ id: i.id, provider: `${i.name}:${i.endpoint}`, enabled: i.enabled, default: i.default }));
  }

  async listPolicies(principal: Principal, selector: ProjectSelector, query: PageQuery): Promise<{ items: PreheatPolicyView[]; total: number }> {
    const project = await this.project(principal, selector, 'preheat-policy:list');
    return this.policies.list(project.project_id, { offset: offsetOf(query), limit: query.page_size });
  }

  async getPolicy(principal: Principal, selector: ProjectSelector, name: string): Promise<PreheatPolicyView> {
    const project = await this.project(principal, selector, 'preheat-policy:read');
    return this.policies.get(project.project_id, name);
  }

  async createPolicy(actor: Actor, selector: ProjectSelector, body: PreheatPolicyRequest): Promise<PreheatPolicyView> {
    const project = await this.project(actor.principal, selector, 'preheat-policy:create');
    return this.policies.create(project.project_id, body, principalName(actor.principal), auditActorOf(actor));
  }

  async updatePolicy(actor: Actor, selector: ProjectSelector, name: string, body: PreheatPolicyRequest): Promise<void> {
    const project = await this.project(actor.principal, selector, 'preheat-policy:update');
    await this.policies.update(project.project_id, name, body, auditActorOf(actor));
  }

  async deletePolicy(actor: Actor, selector: ProjectSelector, name: string): Promise<void> {
    const project = await this.project(actor.principal, selector, 'preheat-policy:delete');
    await this.policies.delete(project.project_id, name, auditActorOf(actor));
  }

  /** Harbor's ManualPreheat: an execution with one task per selected artifact; its id. */
  async run(principal: Principal, selector: ProjectSelector, name: string): Promise<number> {
    const project = await this.project(principal, selector, 'preheat-policy:update');
    const policy = await this.policies.policy(project.project_id, name);
    const run = await this.launcher.launch(policy, 'MANUAL');
    await run!.enqueue();
    return run!.executionId;
  }

  async preview(principal: Principal, selector: ProjectSelector, name: string): Promise<PreviewAnswer> {
    const project = await this.project(principal, selector, 'preheat-policy:read');
    const policy = await this.policies.policy(project.project_id, name);
    const { selected, excluded } = await this.candidates.select(policy);
    return {
      policy: policy.name,
      preheat: selected.map((c) => ({ repository: c.repository, tag: c.tag, digest: c.digest, tags: c.tags, url: `${this.config.externalUrl}/v2/${c.repository}/manifests/${c.tag}` })),
      excluded,
    };
  }

  async listExecutions(principal: Principal, selector: ProjectSelector, name: string, query: PageQuery): Promise<{ items: ExecutionRecord[]; total: number }> {
    const project = await this.project(principal, selector, 'preheat-policy:read');
    const policy = await this.policies.get(project.project_id, name);
    return this.executions.list(PREHEAT_VENDOR, { offset: offsetOf(query), limit: query.page_size }, policy.id);
  }

  async getExecution(principal: Principal, selector: ProjectSelector, name: string, executionId: number): Promise<ExecutionRecord> {
    return this.execution(principal, selector, name, executionId, 'preheat-policy:read');
  }

  async stopExecution(principal: Principal, selector: ProjectSelector, name: string, executionId: number): Promise<void> {
    const execution = await this.execution(principal, selector, name, executionId, 'preheat-policy:update');
    if (execution.status !== 'Running') throw new ApiError('PRECONDITION', `execution ${executionId} is not running (${execution.status})`);
    await this.executions.requestStop(executionId);
  }

  async listTasks(principal: Principal, selector: ProjectSelector, name: string, executionId: number, query: PageQuery): Promise<{ items: (TaskRecord & { execution_id: number })[]; total: number }> {
    await this.execution(principal, selector, name, executionId, 'preheat-policy:read');
    const tasks = (await this.executions.tasks(executionId)).map((task) => ({ ...task, execution_id: executionId }));
    return { items: tasks.slice(offsetOf(query), offsetOf(query) + query.page_size), total: tasks.length };
  }

  async taskLog(principal: Principal, selector: ProjectSelector, name: string, executionId: number, taskId: number): Promise<string> {
    await this.execution(principal, selector, name, executionId, 'preheat-policy:read');
    if (!(await this.executions.tasks(executionId)).some((t) => t.id === taskId)) throw new ApiError('NOT_FOUND', `task ${taskId} not found`);
    return this.executions.readLog(taskId);
  }

  private async execution(principal: Principal, selector: ProjectSelector, name: string, executionId: number, wanted: Permission): Promise<ExecutionRecord> {
    const project = await this.project(principal, selector, wanted);
    const policy = await this.policies.get(project.project_id, name);
    const execution = await this.executions.find(PREHEAT_VENDOR, executionId);
    if (!execution || execution.vendor_id !== policy.id) throw new ApiError('NOT_FOUND', `execution ${executionId} not found`);
    return execution;
  }

  private async project(principal: Principal, selector: ProjectSelector, wanted: Permission): Promise<Project> {
    return (await this.authorizer.require(principal, selector.nameOrId, wanted, selector.isResourceName)).project;
  }
}
