import { Injectable } from '@nestjs/common';
import { ProjectLookupService, type ProjectRef } from '@wharf/projects';
import { OciError, type RepositoryName } from '@wharf/registry-core';

/** A push needs an existing project: the first segment of the repository name. */
@Injectable()
export class ProjectGate {
  constructor(private readonly projects: ProjectLookupService) {}

  async forPush(repository: RepositoryName): Promise<ProjectRef> {
    const project = await this.projects.findByName(repository.project);
    if (!project) {
      throw new OciError('NAME_UNKNOWN', `project ${repository.project} does not exist; create it before pushing to it`, { project: repository.project });
    }
    return project;
  }
}
