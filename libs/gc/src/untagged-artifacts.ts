import { Injectable } from '@nestjs/common';
import { ManifestService, UNTAGGED_ARTIFACT } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';

export interface UntaggedArtifact {
  id: string;
  repository: string;
  digest: string;
}

/**
 * delete_untagged: artifacts no tag points to and no index names, pushed before the time window
 * (so a multi-platform push that sends its children before the index keeps them). The list is
 * read once per run; each deletion re-checks under the artifact's row lock.
 */
@Injectable()
export class UntaggedArtifacts {
  constructor(
    private readonly sql: SqlClient,
    private readonly manifests: ManifestService,
  ) {}

  /** A page in id order after `afterId`. */
  async page(pushedBefore: Date, afterId: string, limit: number): Promise<UntaggedArtifact[]> {
    return this.sql.query<UntaggedArtifact>(
      `SELECT a.id, a.repository_name AS repository, a.digest FROM artifact a
        WHERE a.id > $1 AND a.push_time < $2 AND ${UNTAGGED_ARTIFACT}
        ORDER BY a.id LIMIT $3`,
      [afterId, pushedBefore, limit],
    );
  }

  /** False when the artifact was tagged, referenced or deleted meanwhile. */
  async delete(artifact: UntaggedArtifact, pushedBefore: Date): Promise<boolean> {
    return this.manifests.deleteIfUntagged(artifact.repository, artifact.digest, pushedBefore);
  }
}
