import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The artifact list's order (Harbor's: newest push first, ties by id) as an index within the
 * repository: a page is then the first `page_size` entries of an index range instead of a sort of
 * every artifact in the repository, and the page count (X-Total-Count) an index-only scan of the
 * same range. The second index finds a repository's image indexes (no config), whose untagged
 * children the count subtracts (ArtifactQueries' LISTED_COUNT). Measured by the bench's cost
 * curves (bench/src/cost-curves): without them a page at 100k artifacts in one repository sorted
 * all 100k rows and tested each for a tag.
 */
export class ArtifactListOrder1765300000000 implements MigrationInterface {
  name = 'ArtifactListOrder1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX artifact_repository_push_idx ON artifact (repository_id, push_time DESC, id DESC)`);
    await q.query(`CREATE INDEX artifact_repository_index_idx ON artifact (repository_id) WHERE config_media_type IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX artifact_repository_index_idx`);
    await q.query(`DROP INDEX artifact_repository_push_idx`);
  }
}
