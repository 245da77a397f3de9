import { Injectable } from '@nestjs/common';
import { ApiError } from '../management/api-error';
import {
  accessPermissions,
  isKnownPermission,
  permissionsBeyond,
  principalName,
  ROBOT_PREFIX,
  RobotService,
  type Principal,
  type Robot,
  type RobotPermissionGrant,
  type RobotSpec,
} from '@wharf/iam';
import { auditActorOf } from '../management/audit-actor';
import { parseHarborQuery } from '../management/harbor-query';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer, requireAuthenticated, requireSysadmin } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { CreateRobotRequest, RobotPermissionRequest, UpdateRobotRequest } from './robot.dto';
import { SCAN_ROBOT_PREFIX } from '@wharf/scanning';

type RobotAction = 'read' | 'list' | 'create' | 'update' | 'delete';

/**
 * Who may manage robot accounts (Harbor 2.2's rules): system robots belong to system admins;
 * project robots to whoever holds that project's robot:* permission. No caller hands a robot
 * more than it may do in the project itself, nor updates, refreshes or deletes a robot that may
 * do more than the caller (a robot holding robot:update would otherwise take over a stronger
 * one by refreshing its secret). A robot's rights end when it expires: the robots it makes,
 * changes or refreshes expire no later. RobotService audits every change in its transaction.
 */
@Injectable()
export class RobotManagementService {
  constructor(
    private readonly robots: RobotService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async create(actor: Actor, request: CreateRobotRequest): Promise<{ robot: Robot; secret: string }> {
    // the scan jobs' robots pass pull policies (prevent_vul, signatures): nobody else may take their names
    if (request.name.toLowerCase().startsWith(SCAN_ROBOT_PREFIX)) throw new ApiError('BAD_REQUEST', `robot names starting with "${SCAN_ROBOT_PREFIX}" are reserved for scan jobs`);
    const spec: RobotSpec = {
      name: request.name,
      description: request.description,
      level: request.level,
      duration: request.duration,
      disable: request.disable,
      permissions: grantsOf(request.permissions),
    };
    spec.project = await this.authorizeSpec(actor.principal, spec, 'create');
    await this.refuseOutlivingCaller(actor.principal, expiryOf(new Date(), spec.duration));
    return this.robots.create(spec, principalName(actor.principal), auditActorOf(actor));
  }

  /** `q` keys as Harbor's: Level (system|project) and ProjectID. */
  async list(principal: Principal, query: PageQuery & { sort?: string }): Promise<{ items: Robot[]; total: number }> {
    requireAuthenticated(principal);
    const terms = parseHarborQuery(query.q, ['Level', 'ProjectID']);
    const levelTerm = terms.get('Level');
    const projectTerm = terms.get('ProjectID');
    if (levelTerm && (levelTerm.kind !== 'exact' || (levelTerm.value !== 'system' && levelTerm.value !== 'project'))) {
      throw new ApiError('BAD_REQUEST', 'Level must be system or project');
    }
    if (projectTerm && (projectTerm.kind !== 'exact' || !/^\d{1,9}$/.test(projectTerm.value))) throw new ApiError('BAD_REQUEST', 'ProjectID must be a project id');
    const level = levelTerm?.value as 'system' | 'project' | undefined;
    const page = { sort: query.sort, offset: offsetOf(query), limit: query.page_size };
    if (projectTerm) {
      if (level === 'system') throw new ApiError('BAD_REQUEST', 'system robots belong to no project; drop ProjectID or use Level=project');
      const { project } = await this.authorizer.require(principal, projectTerm.value, 'robot:list');
      return this.robots.list({ level: 'project', projectId: project.project_id, ...page });
    }
    // robots of every project, or system robots: a system administrator's view
    requireSysadmin(principal);
    return this.robots.list({ level, ...page });
  }

  async get(principal: Principal, id: number): Promise<Robot> {
    requireAuthenticated(principal);
    const robot = await this.robots.get(id);
    await this.authorizeExisting(principal, robot, 'read');
    return robot;
  }

  async update(actor: Actor, id: number, request: UpdateRobotRequest): Promise<void> {
    requireAuthenticated(actor.principal);
    const robot = await this.robots.get(id);
    const project = await this.authorizeExisting(actor.principal, robot, 'update');
    if ((request.id !== undefined && request.id !== robot.id) || (request.level !== undefined && request.level !== robot.level)) {
      throw new ApiError('BAD_REQUEST', 'the id and level of a robot cannot be changed');
    }
    const shortName = shortNameOf(robot);
    if (request.name !== undefined && request.name !== robot.name && request.name !== shortName) throw new ApiError('BAD_REQUEST', 'the name of a robot cannot be changed');
    const spec: RobotSpec = {
      name: shortName,
      description: request.description,
      level: robot.level,
      duration: request.duration ?? robot.duration,
      disable: request.disable,
      permissions: grantsOf(request.permissions),
      project,
    };
    await this.authorizeSpec(actor.principal, spec, 'update');
    await this.refuseOutlivingCaller(actor.principal, expiryOf(new Date(robot.creation_time), spec.duration));
    await this.robots.update(id, spec, auditActorOf(actor));
  }

  /** The new secret when this call generated it; nothing when the caller chose it (they know it). */
  async refreshSecret(actor: Actor, id: number, given: string | undefined): Promise<{ secret?: string }> {
    requireAuthenticated(actor.principal);
    const robot = await this.robots.get(id);
    await this.authorizeExisting(actor.principal, robot, 'update');
    await this.refuseOutlivingCaller(actor.principal, robot.expires_at);
    const secret = await this.robots.refreshSecret(id, given, auditActorOf(actor));
    return given === undefined ? { secret } : {};
  }

  async delete(actor: Actor, id: number): Promise<void> {
    requireAuthenticated(actor.principal);
    const robot = await this.robots.get(id);
    await this.authorizeExisting(actor.principal, robot, 'delete');
    await this.robots.delete(id, auditActorOf(actor));
  }

  /**
   * May the caller give a robot these permissions? System robots: system admins, naming
   * existing projects or '*'. Project robots: exactly one entry, for a project where the caller
   * holds robot:<action> and every permission granted. Returns the project of a project robot.
   */
  private async authorizeSpec(principal: Principal, spec: RobotSpec, action: 'create' | 'update'): Promise<{ id: number; name: string } | undefined> {
    requireAuthenticated(principal);
    if (spec.level === 'system') {
      // a project the grants name must exist: RobotService answers 404 otherwise
      requireSysadmin(principal);
      return undefined;
    }
    if (spec.permissions.length !== 1) throw new ApiError('BAD_REQUEST', 'a project robot takes exactly one permission entry, for its own project');
    const grant = spec.permissions[0];
    if (spec.project && grant.namespace !== spec.project.name) {
      throw new ApiError('BAD_REQUEST', `a project robot may only hold permissions in its own project ${spec.project.name}`);
    }
    const { project, permissions } = await this.authorizer.require(principal, grant.namespace, `robot:${action}`, true);
    // unknown pairs are left to RobotService's validation (a 400, not a 403)
    const beyond = permissionsBeyond(accessPermissions(grant.access.filter((a) => isKnownPermission(a.resource, a.action))), permissions);
    if (beyond.length) throw new ApiError('FORBIDDEN', `you may not grant what you may not do yourself in project ${project.name}: ${beyond.join(', ')}`);
    return { id: project.project_id, name: project.name };
  }

  /**
   * Project robots: the caller needs robot:<action> in their project and, to change the robot,
   * every permission it holds; system robots: a system admin.
   */
  private async authorizeExisting(principal: Principal, robot: Robot, action: RobotAction): Promise<{ id: number; name: string } | undefined> {
    if (robot.level === 'system' || robot.project_id === null) {
      requireSysadmin(principal);
      return undefined;
    }
    const { project, permissions } = await this.authorizer.require(principal, String(robot.project_id), `robot:${action}`);
    if (action !== 'read' && action !== 'list') {
      const beyond = permissionsBeyond(robot.permissions.flatMap((grant) => accessPermissions(grant.access)), permissions);
      if (beyond.length) throw new ApiError('FORBIDDEN', `you may not ${action} robot ${robot.name}: it holds permissions you do not hold (${beyond.join(', ')})`);
    }
    return { id: project.project_id, name: project.name };
  }

  /** `expiresAt`: unix seconds, -1 for never (Harbor's shape, as Robot.expires_at). */
  private async refuseOutlivingCaller(principal: Principal, expiresAt: number): Promise<void> {
    if (principal.kind !== 'robot') return;
    const caller = await this.robots.get(principal.id);
    if (caller.expires_at === -1 || (expiresAt !== -1 && expiresAt <= caller.expires_at)) return;
    throw new ApiError('FORBIDDEN', `a robot may not make, change or refresh a robot that outlives it (${caller.name} expires at ${new Date(caller.expires_at * 1000).toISOString()})`);
  }
}

function grantsOf(requested: RobotPermissionRequest[]): RobotPermissionGrant[] {
  return requested.map((p) => ({ kind: p.kind, namespace: p.namespace, access: p.access.map(({ resource, action }) => ({ resource, action })) }));
}

/** The name a robot was created with, without robot$ and its project. */
function shortNameOf(robot: Robot): string {
  const name = robot.name.slice(ROBOT_PREFIX.length);
  return robot.level === 'project' ? name.slice(name.indexOf('+') + 1) : name;
}

/** When a robot created at `from` with `durationDays` expires: unix seconds, -1 for never. */
function expiryOf(from: Date, durationDays: number): number {
  return durationDays < 0 ? -1 : Math.floor(from.getTime() / 1000) + durationDays * 86_400;
}
