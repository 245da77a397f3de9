import { Injectable } from '@nestjs/common';
import { EpochCheckedMemo, projectSettingsEpochs, RevocationEpochs } from '@wharf/iam';
import { ProjectLookupService, type ProjectRef } from './project-lookup.service';

/**
 * The project a push names, remembered in this process: every blob upload and manifest PUT asks
 * it, and its read was one of the few database round trips of a small push. A project deleted
 * (its access epoch) or changed (its settings epoch: going private or public, its limit) is read
 * again at once on the replica that changed it and within about a second on the others, so a
 * push to a deleted project is refused from then on; the push's own statements (the session
 * row, the charge) also fail on a project that no longer exists. Projects cannot be renamed. A
 * project that does not exist is not remembered: it may be created the next moment.
 */
@Injectable()
export class RememberedProjectLookup {
  private readonly memo: EpochCheckedMemo<string, ProjectRef | null>;

  constructor(
    private readonly projects: ProjectLookupService,
    epochs: RevocationEpochs,
  ) {
    this.memo = new EpochCheckedMemo({ changedSince: projectSettingsEpochs(epochs) });
  }

  async findByName(name: string): Promise<ProjectRef | null> {
    return this.memo.get(name, () => this.projects.findByName(name), { keep: (project) => project !== null });
  }
}
