import { Client } from 'pg';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/**
 * Issue 19: a manifest push's check of the blobs it names (inside `wharf_manifest_push`) reaches
 * them by digest, whatever Postgres's statistics say. Planned through the status index, it read
 * every blob in `none` on every push, 2,800 rows a push at 4,000 blobs (the bench, migration
 * 1765370000000). The function's plans are read with auto_explain, sent to this session as notices.
 */
describe("a manifest push's blob check", () => {
  let environment: TestEnvironment;
  let db: Client;
  const plans: string[] = [];
  let projectId: number;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    db.on('notice', (notice) => plans.push(notice.message ?? ''));
    [{ project_id: projectId }] = (await db.query<{ project_id: number }>(`INSERT INTO project (name) VALUES ('planned') RETURNING project_id`)).rows;
    // statistics that make the status index look like the short way: nearly every blob is being
    // deleted, the two the manifest names are not
    await db.query(`INSERT INTO blob (digest, size, status) SELECT 'sha256:' || lpad(to_hex(n), 64, '0'), 1, 'deleting' FROM generate_series(100, 20000) n`);
    await db.query(`INSERT INTO blob (digest, size) VALUES ($1, 10), ($2, 20)`, [digestOf(1), digestOf(2)]);
    await db.query(`INSERT INTO project_blob (project_id, blob_id) SELECT $1, id FROM blob WHERE digest = ANY($2)`, [projectId, [digestOf(1), digestOf(2)]]);
    await db.query(`ANALYZE blob`);
    await db.query(`LOAD 'auto_explain'`);
    await db.query(`SET auto_explain.log_min_duration = 0`);
    await db.query(`SET auto_explain.log_nested_statements = on`);
    await db.query(`SET client_min_messages = log`);
  });

  afterAll(async () => {
    await db?.end();
    await environment?.close();
  });

  it('finds the named blobs through the digest index, not the status index', async () => {
    // the manifest's own blob is not stored: the function refuses (WB001) after its check ran
    const push = db.query(
      `SELECT * FROM wharf_manifest_push($1, 'planned/app', $2, 'application/vnd.oci.image.manifest.v1+json', NULL, NULL, NULL, 100, '\\x7b7d', '{}', 'IMAGE',
                                         $3, $4, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')`,
      [projectId, digestOf(3), [digestOf(1), digestOf(2)], [10, 20]],
    );
    await expect(push).rejects.toMatchObject({ code: 'WB001' });
    const check = plans.find((plan) => plan.includes('AS w(digest, size)'));
    expect(check).toBeDefined();
    expect(check).toMatch(/blob_digest_key/);
    expect(check).not.toMatch(/blob_status_update_idx/);
  });

  /**
   * Issue 19: the blob check, the tag trigger's row locks and the artifact trigger's listed count
   * were planned again on every push (a custom plan for each call's arrays, 0.55 ms of Postgres's
   * CPU a push in the bench): they run with generic plans, made once per connection, which name
   * the parameters where a custom plan has their values.
   */
  it('plans the push, its blob check and its triggers once per connection (generic plans)', async () => {
    await db.query(`INSERT INTO blob (digest, size) VALUES ($1, 100)`, [digestOf(4)]);
    await db.query(`INSERT INTO project_blob (project_id, blob_id) SELECT $1, id FROM blob WHERE digest = $2`, [projectId, digestOf(4)]);
    plans.length = 0;
    // VERBOSE: a function scan's plan names its arguments
    await db.query(`SET auto_explain.log_verbose = on`);
    await db.query(
      `SELECT * FROM wharf_manifest_push($1, 'planned/app', $2, 'application/vnd.oci.image.manifest.v1+json', NULL, NULL, NULL, 100, '\\x7b7d', '{}', 'IMAGE',
                                         $3, $4, '{}', '{}', '{}', '{latest}', '{t}', '{}', '{}', '{}')`,
      [projectId, digestOf(4), [digestOf(1), digestOf(2)], [10, 20]],
    );
    await db.query(`RESET auto_explain.log_verbose`);
    const planOf = (marker: string) => {
      const found = plans.filter((plan) => plan.includes(marker));
      expect(found).toHaveLength(1);
      return found[0];
    };
    // a custom plan would show the digests, the artifact's id and the repository's id as constants
    expect(planOf('AS w(digest, size)')).not.toContain(digestOf(1));
    expect(planOf('AS w(digest, size)')).toMatch(/ANY \(+\$\d+ \|\| \$\d+\)/);
    expect(planOf('FROM artifact WHERE id = ANY(p_ids)')).toMatch(/id = ANY \(\$1\)/);
    expect(planOf('INTO artifact_listed_count')).toMatch(/Function Call: unnest\(\$1\), unnest\(\$2\)/);
  });
});
