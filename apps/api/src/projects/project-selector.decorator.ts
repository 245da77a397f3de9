import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** The project a /projects/{project_name_or_id}/... route acts on. */
export interface ProjectSelector {
  nameOrId: string;
  /** `X-Is-Resource-Name: true`: the path holds a name even when it looks like an id */
  isResourceName: boolean;
}

export const SelectedProject = createParamDecorator((_data: unknown, context: ExecutionContext): ProjectSelector => {
  const request = context.switchToHttp().getRequest<FastifyRequest<{ Params: { project_name_or_id: string } }>>();
  const header = request.headers['x-is-resource-name'];
  return { nameOrId: request.params.project_name_or_id, isResourceName: String(header).toLowerCase() === 'true' };
});
