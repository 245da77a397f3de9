import { Injectable } from '@nestjs/common';
import { ArtifactQueries, DeleteArtifactCommand, type UntaggedArtifact } from '@wharf/artifacts';

export type { UntaggedArtifact } from '@wharf/artifacts';

/**
 * The operator GC's deletions are recorded under (DELETE_ARTIFACT events, and so the audit log
 * and webhooks): the job, by a fixed name, whatever triggered the run (manual or schedule); which
 * run it was is in that run's task log, which names every artifact it deleted.
 */
export const GC_OPERATOR = 'gc';

/**
 * delete_untagged: artifacts no tag points to and no index names, pushed before the time window
 * (so a multi-platform push that sends its children before the index keeps them). The list is
 * read once per run; each deletion re-checks under the artifact's row lock and is the same deep
 * delete as a manifest DELETE (accessories, children nothing else keeps, events, quota).
 */
@Injectable()
export class UntaggedArtifacts {
  constructor(
    private readonly queries: ArtifactQueries,
    private readonly deletion: DeleteArtifactCommand,
  ) {}

  /** A page in id order after `afterId`. */
  async page(pushedBefore: Date, afterId: number, limit: number): Promise<UntaggedArtifact[]> {
    return this.queries.untaggedPage(pushedBefore, afterId, limit);
  }

  /** The artifacts that go when this one does (itself first): what a dry run counts as removed. */
  async wouldRemove(artifact: UntaggedArtifact): Promise<number[]> {
    return this.queries.deepDeleteMembers(artifact);
  }

  /** False when the artifact was tagged, referenced or deleted meanwhile, or something it would take along must stay. */
  async delete(artifact: UntaggedArtifact, pushedBefore: Date): Promise<boolean> {
    return this.deletion.deleteIfUntagged(artifact.repository, artifact.digest, pushedBefore, GC_OPERATOR);
  }
}
