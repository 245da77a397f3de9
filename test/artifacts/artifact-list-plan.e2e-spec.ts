import { ArtifactQueries } from '@wharf/artifacts';
import { SqlClient } from '@wharf/db';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

/** A plan node of EXPLAIN (FORMAT JSON): its kind, the relation and index it reads, its children. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  /** EXPLAIN ANALYZE only: how many times the node ran */
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

const ARTIFACTS = 50_000;

/**
 * The artifact list stays an index walk however large the repository grows (issue 19's cost
 * curves): on a repository of 50,000 artifacts with statistics, the page query reads
 * artifact_repository_push_idx in the listing's order (no Sort, no sequential scan of artifact)
 * and the X-Total-Count, in the same statement, reads the repository's kept count
 * (artifact_listed_count), not its artifacts; the count is still exactly what the listing's own condition counts (index children
 * hidden unless tagged).
 */
describe('artifact list query plans at 50,000 artifacts', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let sql: SqlClient;
  let repositoryId: number;
  let projectId: number;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    sql = api.app.get(SqlClient);
    const [project] = await sql.query<{ project_id: number }>(`SELECT project_id FROM project WHERE name = 'library'`);
    const [large] = await sql.query<{ repository_id: number }>(`INSERT INTO repository (project_id, name) VALUES ($1, 'library/plan-large') RETURNING repository_id`, [project.project_id]);
    const [small] = await sql.query<{ repository_id: number }>(`INSERT INTO repository (project_id, name) VALUES ($1, 'library/plan-small') RETURNING repository_id`, [project.project_id]);
    repositoryId = large.repository_id;
    projectId = project.project_id;
    // 50,000 tagged images in one repository, 100 in another, pushed a second apart
    for (const [repository, count] of [[large, ARTIFACTS], [small, 100]] as const) {
      await sql.query(
        `WITH a AS (
           INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, config_media_type, size, manifest, push_time)
           SELECT $1, $2::int, $3, 'sha256:' || encode(sha256(($2::int || '-' || i)::bytea), 'hex'), 'application/vnd.oci.image.manifest.v1+json',
                  'application/vnd.oci.image.config.v1+json', 500, '\\x7b7d'::bytea, now() - interval '100 days' + i * interval '1 second'
             FROM generate_series(1, $4::int) i RETURNING id, push_time
         )
         INSERT INTO tag (repository_id, artifact_id, name, push_time) SELECT $2::int, id, 'v' || id, push_time FROM a`,
        [project.project_id, repository.repository_id, repository === large ? 'library/plan-large' : 'library/plan-small', count],
      );
    }
    // an image index naming two children of the large repository: one tagged, one not (hidden), and a third untagged image nothing names (listed)
    const [index] = await sql.query<{ id: number }>(
      `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, size, manifest)
       VALUES ($1, $2, 'library/plan-large', 'sha256:' || repeat('a', 64), 'application/vnd.oci.image.index.v1+json', 300, '\\x7b7d'::bytea) RETURNING id`,
      [project.project_id, repositoryId],
    );
    const children = await sql.query<{ id: number; digest: string }>(
      `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, config_media_type, size, manifest)
       SELECT $1, $2, 'library/plan-large', 'sha256:' || repeat(c, 64), 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 500, '\\x7b7d'::bytea
         FROM unnest(ARRAY['b', 'c', 'd']) c RETURNING id, digest`,
      [project.project_id, repositoryId],
    );
    await sql.query(`INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, 'index'), ($1, $3, 'child-tagged')`, [repositoryId, index.id, children[0].id]);
    await sql.query(
      `INSERT INTO artifact_reference (parent_id, child_id, child_digest) SELECT $1, id, digest FROM artifact WHERE id = ANY($2::bigint[])`,
      [index.id, [children[0].id, children[1].id]],
    );
    // a registry that has lived with this data has statistics on it (and autovacuum's visibility map)
    await sql.query(`VACUUM ANALYZE artifact, tag, artifact_reference, repository`);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  /** Runs the listing with a SqlClient that records each statement, then EXPLAINs (ANALYZE: with loop counts) each as it ran. */
  async function plansOfList(offset: number): Promise<{ total: number; plans: PlanNode[][] }> {
    const statements: { text: string; params: unknown[] }[] = [];
    const recording = Object.create(sql) as SqlClient;
    recording.query = ((text: string, params: unknown[] = []) => {
      statements.push({ text, params });
      return sql.query(text, params);
    }) as SqlClient['query'];
    const queries = new ArtifactQueries(recording);
    const { total, items } = await queries.list({ projectId, name: 'library/plan-large' }, { offset, limit: 15 });
    expect(items).toHaveLength(15);
    const plans: PlanNode[][] = [];
    for (const statement of statements) {
      const [row] = await sql.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.params);
      plans.push(flatten(row['QUERY PLAN'][0].Plan));
    }
    return { total, plans };
  }

  it('walks artifact_repository_push_idx for a page, without sorting or scanning the table', async () => {
    for (const offset of [0, 150]) {
      const { plans } = await plansOfList(offset);
      const page = plans.find((nodes) => nodes.some((n) => n['Node Type'] === 'Limit'));
      expect(page).toBeDefined();
      expect(page!.filter((n) => n['Relation Name'] === 'artifact').map((n) => n['Index Name'])).toContain('artifact_repository_push_idx');
      expect(page!.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(page!.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'artifact')).toEqual([]);
      // the "not an untagged index child" condition probes the page's rows, it does not hash the whole tag table
      const tagRows = page!.filter((n) => n['Relation Name'] === 'tag').reduce((sum, n) => sum + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
      expect(tagRows).toBeLessThan(1000);
    }
  });

  it("counts without reading the repository's artifacts: the total is the kept count's few rows, in the page's statement", async () => {
    const { plans } = await plansOfList(150);
    // the repository, its total and its page in one statement (one round trip)
    expect(plans).toHaveLength(1);
    const [nodes] = plans;
    const rowsOf = (relation: string) => nodes.filter((n) => n['Relation Name'] === relation).reduce((sum, n) => sum + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
    // before: an index-only pass over the repository's 50,000 entries; now its slots of artifact_listed_count
    expect(nodes.some((n) => n['Relation Name'] === 'artifact_listed_count')).toBe(true);
    expect(rowsOf('artifact_listed_count')).toBeLessThanOrEqual(64);
    // what it reads of artifact is the page's walk of artifact_repository_push_idx (offset + limit
    // entries, and the hidden index child it passes over), nothing more
    expect(rowsOf('artifact')).toBeLessThanOrEqual(150 + 15 + 1);
  });

  it('counts exactly what the listing shows: the 50,000 images, the index, its tagged child and the unnamed image, not its untagged child', async () => {
    const { total } = await plansOfList(0);
    const [expected] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM artifact a WHERE a.repository_id = $1
          AND (EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id) OR NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id))`,
      [repositoryId],
    );
    expect(expected.n).toBe(ARTIFACTS + 3);
    expect(total).toBe(expected.n);
  });

  it("finds a page's accessories with index lookups per subject, not a pass over the repository per subject", async () => {
    // a cosign signature (tagged sha256-<hex>.sig, no subject) and an OCI referrer (subject field) of the newest image
    const [newest] = await sql.query<{ id: number; digest: string }>(`SELECT id, digest FROM artifact WHERE repository_id = $1 ORDER BY push_time DESC, id DESC LIMIT 1`, [repositoryId]);
    const [project] = await sql.query<{ project_id: number }>(`SELECT project_id FROM project WHERE name = 'library'`);
    const [signature] = await sql.query<{ id: number }>(
      `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, config_media_type, size, manifest, push_time)
       VALUES ($1, $2, 'library/plan-large', 'sha256:' || repeat('e', 64), 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.dev.cosign.simplesigning.v1+json', 400, '\\x7b7d'::bytea, now() - interval '200 days')
       RETURNING id`,
      [project.project_id, repositoryId],
    );
    await sql.query(`INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, $3)`, [repositoryId, signature.id, `sha256-${newest.digest.slice(7)}.sig`]);
    await sql.query(
      `INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, artifact_type, size, manifest, subject_digest, push_time)
       VALUES ($1, $2, 'library/plan-large', 'sha256:' || repeat('f', 64), 'application/vnd.oci.image.manifest.v1+json', 'application/spdx+json', 400, '\\x7b7d'::bytea, $3, now() - interval '200 days')`,
      [project.project_id, repositoryId, newest.digest],
    );
    const statements: { text: string; params: unknown[] }[] = [];
    const recording = Object.create(sql) as SqlClient;
    recording.query = ((text: string, params: unknown[] = []) => {
      statements.push({ text, params });
      return sql.query(text, params);
    }) as SqlClient['query'];
    const queries = new ArtifactQueries(recording);
    const { items } = await queries.list({ projectId, name: 'library/plan-large' }, { offset: 0, limit: 15 });
    const accessories = await queries.accessoriesOf(items);
    expect([...(accessories.get(newest.id) ?? [])].map((a) => a.digest).sort()).toEqual([`sha256:${'e'.repeat(64)}`, `sha256:${'f'.repeat(64)}`]);
    const lookup = statements.at(-1)!;
    const [row] = await sql.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${lookup.text}`, lookup.params);
    const nodes = flatten(row['QUERY PLAN'][0].Plan);
    // rows read from artifact and tag in all: a few per subject, where a pass over the repository per subject read 15 x 50,000
    const read = nodes.filter((n) => n['Relation Name'] === 'artifact' || n['Relation Name'] === 'tag').reduce((sum, n) => sum + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
    expect({ read, nodes: read < 200 ? [] : nodes.map((n) => `${n['Node Type']} ${n['Relation Name'] ?? ''} ${n['Index Name'] ?? ''} rows=${n['Actual Rows']} loops=${n['Actual Loops']}`) }).toEqual({ read: expect.any(Number), nodes: [] });
    expect(read).toBeLessThan(200);
  });
});
