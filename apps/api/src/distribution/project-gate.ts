import { Injectable } from '@nestjs/common';
import { RememberedProjectLookup, type ProjectRef } from '@wharf/projects';
import { ProxyProjects } from '@wharf/proxy-cache';
import type { RepositoryName } from '@wharf/registry-core';
import { OciError } from './oci-error';

/** Which projects a client may write to: an existing one (the first segment of the name) that is not a proxy cache. */
@Injectable()
export class ProjectGate {
  constructor(
    private readonly projects: RememberedProjectLookup,
    private readonly proxies: ProxyProjects,
  ) {}

  /** The project pushed to, remembered per process (a deleted one is refused at once on the replica that deleted it). */
  async forPush(repository: RepositoryName): Promise<ProjectRef> {
    const project = await this.projects.findByName(repository.project);
    if (!project) {
      throw new OciError('NAME_UNKNOWN', `project ${repository.project} does not exist; create it before pushing to it`, { project: repository.project });
    }
    return project;
  }

  /** Pushes and deletes into a proxy-cache project: 403, its content is the upstream's. */
  async refuseWritesToProxy(repository: RepositoryName): Promise<void> {
    if (await this.proxies.find(repository.project)) {
      throw new OciError(
        'DENIED',
        `project ${repository.project} is a proxy cache: its content comes from its upstream registry, so it cannot be pushed to or deleted from here; push to a regular project instead`,
        { project: repository.project },
      );
    }
  }
}
