import { BlobStore } from '@wharf/registry-core';
import { Client } from 'pg';
import { createTestEnvironment, type TestEnvironment } from '../support/wharf-app';

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/**
 * Issue 19: the hot prepared statements that take an array of digests keep PostgreSQL's generic
 * plan (planned once per connection) instead of being planned again on every call, and that plan
 * reaches the blobs by digest whatever the table holds.
 */
describe('generic plans of the push statements', () => {
  let environment: TestEnvironment;
  let db: Client;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    // a registry where almost every blob was touched just now and a few are marked: the status
    // index then looks like a cheap way to the rows a touch wants, for a plan that does not know
    // how few digests it is given
    await db.query(`INSERT INTO blob (digest, size) SELECT 'sha256:' || lpad(to_hex(n), 64, '0'), 1 FROM generate_series(1, 20000) n`);
    await db.query(`UPDATE blob SET status = 'delete' WHERE id % 2000 = 0`);
    await db.query(`ANALYZE blob`);
  });

  afterAll(async () => {
    await db?.end();
    await environment?.close();
  });

  /** Runs the prepared statement `times` times with two digests; answers how PostgreSQL planned it and the plan it uses now. */
  async function planOf(statement: string, parameters: (digests: string[]) => unknown[], times: number): Promise<{ generic: number; custom: number; plan: string }> {
    const name = `planned_${Math.random().toString(36).slice(2)}`;
    for (let i = 0; i < times; i += 1) {
      await db.query({ name, text: statement, values: parameters([digestOf(100 + i), digestOf(5000 + i)]) });
    }
    const [counts] = (await db.query<{ generic_plans: string; custom_plans: string }>(`SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1`, [name])).rows;
    await db.query(`PREPARE explained AS ${statement.replace(/\$1(?!\d)/g, `'{${digestOf(7)},${digestOf(8)}}'`).replace(/\$2(?!\d)/g, '60')}`);
    const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE explained`)).rows.map((row) => row['QUERY PLAN']).join('\n');
    await db.query(`DEALLOCATE explained`);
    return { generic: Number(counts.generic_plans), custom: Number(counts.custom_plans), plan };
  }

  it("a manifest push's touch of the blobs it references: generic after five calls, by digest", async () => {
    const { generic, custom, plan } = await planOf(BlobStore.TOUCH_FOR_REUSE, (digests) => [digests, BlobStore.REUSE_TOUCH_INTERVAL_SECONDS], 8);
    expect(custom).toBe(5);
    expect(generic).toBe(3);
    expect(plan).toMatch(/blob_digest_key/);
    expect(plan).not.toMatch(/blob_status/);
  });

  it('a join on the same kind of array keeps its generic plan too', async () => {
    const join = `SELECT b.id FROM project p LEFT JOIN blob b ON b.digest = ${BlobStore.anyOf('$1')} WHERE p.project_id = 1`;
    const { generic, plan } = await planOf(join, (digests) => [digests], 8);
    expect(generic).toBe(3);
    expect(plan).toMatch(/blob_digest_key/);
  });

  describe('with a few thousand blobs linked to the project', () => {
    // as in the bench 20 s into its manifest pushes: a hash of every link looks cheaper than ten lookups
    beforeAll(async () => {
      await db.query(`INSERT INTO project_blob (project_id, blob_id) SELECT 1, id FROM blob WHERE id <= 4000`);
      await db.query(`ANALYZE project_blob`);
    });

    afterAll(async () => {
      await db.query(`DELETE FROM project_blob WHERE project_id = 1 AND blob_id <= 4000`);
    });

    it("a manifest push's early read looks up each named blob's link by index", async () => {
      const early = `SELECT b.id, ${BlobStore.linkedToProject('b', 'p')} AS linked FROM project p LEFT JOIN blob b ON b.digest = ${BlobStore.anyOf('$1')} WHERE p.project_id = 1`;
      const { generic, plan } = await planOf(early, (digests) => [digests], 8);
      expect(generic).toBe(3);
      expect(plan).toMatch(/Index Scan using project_blob_\w+ on project_blob/);
      expect(plan).not.toMatch(/Seq Scan on project_blob/);
    });

    it('(the reason) the same test without OFFSET 0 is planned as a hash of every link', async () => {
      const hashed = `SELECT b.id, EXISTS (SELECT 1 FROM project_blob pb WHERE pb.blob_id = b.id AND pb.project_id = p.project_id) AS linked
                        FROM project p LEFT JOIN blob b ON b.digest = ${BlobStore.anyOf('$1')} WHERE p.project_id = 1`;
      const { plan } = await planOf(hashed, (digests) => [digests], 8);
      // a sequential scan for a subplan run once per blob: built into a hash once per call
      expect(plan).toMatch(/Seq Scan on project_blob/);
    });
  });

  it('(the reason) the array given as such is planned again on every call', async () => {
    const { generic, custom } = await planOf(`SELECT id FROM blob WHERE digest = ANY($1) AND status IN ('none', 'delete')`, (digests) => [digests], 8);
    expect(generic).toBe(0);
    expect(custom).toBe(8);
  });

  it('touches marked and long-untouched blobs only, as before', async () => {
    await db.query(`UPDATE blob SET update_time = now() - interval '2 minutes' WHERE id <= 10`);
    const [stale, marked, fresh] = [digestOf(3), digestOf(2000), digestOf(15)];
    const before = (await db.query<{ digest: string; version: number }>(`SELECT digest, version FROM blob WHERE digest = ANY($1)`, [[stale, marked, fresh]])).rows;
    await db.query(BlobStore.TOUCH_FOR_REUSE, [[stale, marked, fresh], BlobStore.REUSE_TOUCH_INTERVAL_SECONDS]);
    const after = (await db.query<{ digest: string; version: number; status: string }>(`SELECT digest, version, status FROM blob WHERE digest = ANY($1)`, [[stale, marked, fresh]])).rows;
    const bumped = (digest: string) => after.find((r) => r.digest === digest)!.version - before.find((r) => r.digest === digest)!.version;
    expect([bumped(stale), bumped(marked), bumped(fresh)]).toEqual([1, 1, 0]);
    expect(after.every((r) => r.status === 'none')).toBe(true);
  });
});
