import { Injectable } from '@nestjs/common';
import { ApiError } from '@wharf/errors';
import type { Principal } from '@wharf/iam';
import { METADATA_KEYS, ProjectService } from '@wharf/projects';
import { auditActorOf } from '../management/audit-actor';
import { ProjectAuthorizer } from '../management/project-authorizer';
import type { Actor } from '../management/current-actor.decorator';
import type { ProjectSelector } from './project-selector.decorator';

/**
 * /projects/{p}/metadatas: a project's settings as Harbor's string map (public, auto_scan,
 * prevent_vul, severity, ...). Unknown keys and values are refused with 400 by checkMetadata.
 * ProjectService audits each key changed, in the change's transaction.
 */
@Injectable()
export class ProjectMetadataManagementService {
  constructor(
    private readonly projects: ProjectService,
    private readonly authorizer: ProjectAuthorizer,
  ) {}

  async list(principal: Principal, selector: ProjectSelector): Promise<Record<string, string>> {
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'metadata:list', selector.isResourceName);
    return project.metadata;
  }

  /** POST: adds or replaces the keys sent. */
  async add(actor: Actor, selector: ProjectSelector, body: unknown): Promise<void> {
    const { project } = await this.authorizer.require(actor.principal, selector.nameOrId, 'metadata:create', selector.isResourceName);
    await this.projects.setMetadata(project, metadataMap(body), { actor: auditActorOf(actor), operation: 'create' });
  }

  async get(principal: Principal, selector: ProjectSelector, key: string): Promise<Record<string, string>> {
    knownKey(key);
    const { project } = await this.authorizer.require(principal, selector.nameOrId, 'metadata:read', selector.isResourceName);
    const value = project.metadata[key];
    if (value === undefined) throw new ApiError('NOT_FOUND', `metadata "${key}" not found`);
    return { [key]: value };
  }

  /** PUT /metadatas/{key} with {"<key>": "<value>"}: the body names exactly the key of the path. */
  async update(actor: Actor, selector: ProjectSelector, key: string, body: unknown): Promise<void> {
    knownKey(key);
    const { project } = await this.authorizer.require(actor.principal, selector.nameOrId, 'metadata:update', selector.isResourceName);
    const map = metadataMap(body);
    const keys = Object.keys(map);
    if (keys.length !== 1 || keys[0] !== key) throw new ApiError('BAD_REQUEST', `the body must be {"${key}": "<value>"}`);
    await this.projects.setMetadata(project, map, { actor: auditActorOf(actor), operation: 'update' });
  }

  async delete(actor: Actor, selector: ProjectSelector, key: string): Promise<void> {
    knownKey(key);
    const { project } = await this.authorizer.require(actor.principal, selector.nameOrId, 'metadata:delete', selector.isResourceName);
    await this.projects.deleteMetadata(project, key, auditActorOf(actor));
  }
}

function knownKey(key: string): void {
  if (!METADATA_KEYS.includes(key)) throw new ApiError('BAD_REQUEST', `unknown metadata key "${key}"; known keys: ${METADATA_KEYS.join(', ')}`);
}

/** A JSON object of key -> value; what the values may be is checkMetadata's business. */
function metadataMap(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('BAD_REQUEST', 'the body must be a JSON object of metadata keys and values');
  if (Object.keys(body).length === 0) throw new ApiError('BAD_REQUEST', 'no metadata given');
  return body as Record<string, unknown>;
}
