import { Injectable } from '@nestjs/common';
import { RobotService, type Principal, type Robot } from '@wharf/iam';
import { ApiError } from '../management/api-error';
import type { Actor } from '../management/current-actor.decorator';
import { offsetOf, type PageQuery } from '../management/pagination';
import { ProjectAuthorizer } from '../management/project-authorizer';
import { RobotManagementService } from '../robots/robot-management.service';
import type { CreateRobotRequest } from '../robots/robot.dto';
import type { RobotV1CreateRequest, RobotV1Response } from './harbor-compat.dto';

/**
 * Harbor 2.0's project robot API (/projects/{p}/robots) over Wharf's robots: a v1 robot is a
 * project robot whose access entries name the project by path (`/project/1/repository`). Every
 * decision (who may create what, how long it may live) is RobotManagementService's, as for /robots.
 */
@Injectable()
export class ProjectRobotsV1Service {
  constructor(
    private readonly robots: RobotManagementService,
    private readonly robotService: RobotService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async create(actor: Actor, projectNameOrId: string, request: RobotV1CreateRequest): Promise<{ robot: Robot; secret: string }> {
    const { project } = await this.authorizer.require(actor.principal, projectNameOrId, 'robot:create');
    const access = request.access.map((entry) => {
      const match = /^\/project\/([^/]+)\/([a-z-]+)$/.exec(entry.resource);
      if (!match || (match[1] !== String(project.project_id) && match[1] !== project.name)) {
        throw new ApiError('BAD_REQUEST', `access resource "${entry.resource}" must be /project/${project.project_id}/<resource>`);
      }
      return { resource: match[2], action: entry.action };
    });
    const expiresAt = request.expires_at ?? -1;
    const duration = expiresAt <= 0 ? -1 : Math.max(1, Math.ceil((expiresAt * 1000 - Date.now()) / 86_400_000));
    const v2: CreateRobotRequest = {
      name: request.name,
      description: request.description,
      duration,
      level: 'project',
      permissions: [{ kind: 'project', namespace: project.name, access }],
    };
    return this.robots.create(actor, v2);
  }

  async list(principal: Principal, projectNameOrId: string, query: PageQuery): Promise<{ items: RobotV1Response[]; total: number }> {
    const { project } = await this.authorizer.require(principal, projectNameOrId, 'robot:list');
    const { items, total } = await this.robotService.list({ level: 'project', projectId: project.project_id, offset: offsetOf(query), limit: query.page_size });
    return { items: items.map(toV1), total };
  }

  async get(principal: Principal, projectNameOrId: string, id: number): Promise<RobotV1Response> {
    return toV1(await this.ofProject(principal, projectNameOrId, id, 'robot:read'));
  }

  async setDisabled(actor: Actor, projectNameOrId: string, id: number, disabled: boolean): Promise<void> {
    const robot = await this.ofProject(actor.principal, projectNameOrId, id, 'robot:update');
    await this.robots.update(actor, id, { description: robot.description, disable: disabled, permissions: robot.permissions.map((p) => ({ ...p, kind: 'project' as const })) });
  }

  async delete(actor: Actor, projectNameOrId: string, id: number): Promise<void> {
    await this.ofProject(actor.principal, projectNameOrId, id, 'robot:delete');
    await this.robots.delete(actor, id);
  }

  /** The robot, when it belongs to this project (404 otherwise, as a robot of another project is not found here). */
  private async ofProject(principal: Principal, projectNameOrId: string, id: number, wanted: 'robot:read' | 'robot:update' | 'robot:delete'): Promise<Robot> {
    const { project } = await this.authorizer.require(principal, projectNameOrId, wanted);
    // the project's robot:<action> was checked above; RobotManagementService checks the rest (update, delete)
    const robot = await this.robotService.get(id).catch(() => null);
    if (!robot || robot.project_id !== project.project_id) throw new ApiError('NOT_FOUND', `robot ${id} not found in project ${project.name}`);
    return robot;
  }
}

function toV1(robot: Robot): RobotV1Response {
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    project_id: robot.project_id,
    expires_at: robot.expires_at,
    disabled: robot.disable,
    creation_time: robot.creation_time,
    update_time: robot.update_time,
    access: robot.permissions.flatMap((p) => p.access.map((a) => ({ resource: `/project/${robot.project_id}/${a.resource}`, action: a.action }))),
  };
}
