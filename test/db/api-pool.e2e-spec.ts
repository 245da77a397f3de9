import { SqlClient } from '@wharf/db';
import { BlobStore } from '@wharf/registry-core';
import { Client } from 'pg';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

/** A statement Postgres compiles with JIT when its cost passes jit_above_cost (set to 0 here for every statement). */
const COMPILED_WITH_JIT = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(n) FROM generate_series(1, 1000) n`;

function usedJit(plan: unknown): boolean {
  return JSON.stringify(plan).includes('"JIT"');
}

/** A manifest push's lookup of the blobs it names (the early read's join), by any number of digests. */
const BLOBS_BY_DIGEST = `SELECT id FROM blob WHERE digest = ${BlobStore.anyOf('$1')}`;

/** The generic plan (the one a connection caches after five calls) of `BLOBS_BY_DIGEST`, as EXPLAIN prints it. */
async function genericPlanOfBlobsByDigest(run: (text: string) => Promise<unknown[]>): Promise<string> {
  await run(`SET plan_cache_mode = force_generic_plan`);
  try {
    await run(`PREPARE blobs_by_digest(varchar[]) AS ${BLOBS_BY_DIGEST}`);
    const rows = (await run(`EXPLAIN EXECUTE blobs_by_digest('{}')`)) as { 'QUERY PLAN': string }[];
    await run(`DEALLOCATE blobs_by_digest`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await run(`RESET plan_cache_mode`);
  }
}

/** What the api's own pool does to every connection and result, against a plain pg client on the same database. */
describe("the api's connection pool", () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let sql: SqlClient;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    sql = api.app.get(SqlClient);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  /** A client outside the api's pool, with pg's defaults. */
  async function withPlainClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const plain = new Client({ connectionString: environment.config.DATABASE_URL });
    await plain.connect();
    try {
      return await work(plain);
    } finally {
      await plain.end();
    }
  }

  /** Raw SQL on the api's own pool: bigint comes back as a number, checked against 2^53, on every path. */
  describe('bigint results of raw SQL', () => {
    it('gives the largest safe integer as a number and refuses one beyond it', async () => {
      expect(await sql.query(`SELECT 9007199254740991::bigint AS n`)).toEqual([{ n: 9007199254740991 }]);
      expect(await sql.query(`SELECT (-9007199254740991)::bigint AS n`)).toEqual([{ n: -9007199254740991 }]);
      await expect(sql.query(`SELECT 9007199254740993::bigint AS n`)).rejects.toThrow(/9007199254740993 is beyond Number.MAX_SAFE_INTEGER/);
    });

    it('gives bigint ids, sizes and counts as numbers in queries, transactions and dedicated connections; numeric stays text', async () => {
      const digest = `sha256:${'b'.repeat(64)}`;
      const [inserted] = await sql.query<{ id: number; size: number }>(`INSERT INTO blob (digest, size) VALUES ($1, 1234) RETURNING id, size`, [digest]);
      expect(typeof inserted.id).toBe('number');
      expect(inserted.size).toBe(1234);
      expect(await sql.transaction((tx) => tx.query(`SELECT id, size FROM blob WHERE digest = $1`, [digest]))).toEqual([{ id: inserted.id, size: 1234 }]);
      expect(await sql.withConnection((db) => db.query(`SELECT count(*) AS n FROM blob WHERE digest = $1`, [digest]))).toEqual([{ n: 1 }]);
      // sum() of bigint is numeric, which may exceed 2^53: pg keeps it as text and the callers that read one convert it
      expect(await sql.query(`SELECT sum(size) AS total FROM blob WHERE digest = $1`, [digest])).toEqual([{ total: '1234' }]);
    });

    it('leaves the global pg parsers alone: another client still gets bigint as text', async () => {
      const { rows } = await withPlainClient((plain) => plain.query(`SELECT 9007199254740993::bigint AS n`));
      expect(rows).toEqual([{ n: '9007199254740993' }]);
    });
  });

  /**
   * Issue 19: Wharf's connections run without JIT. The consumers' lag, read by /health and the
   * worker's metrics, joins two rows to one; on tables never analyzed Postgres costed it at 7.5 M
   * and compiled it for 636 ms on every call.
   */
  describe('session settings', () => {
    it('turns JIT off on every connection, where a plain connection to the same database compiles', async () => {
      expect(await sql.query(`SHOW jit`)).toEqual([{ jit: 'off' }]);
      const plan = await sql.transaction(async (tx) => {
        await tx.query(`SET LOCAL jit_above_cost = 0`);
        return tx.query(COMPILED_WITH_JIT);
      });
      expect(usedJit(plan)).toBe(false);

      await withPlainClient(async (plain) => {
        await plain.query(`SET jit_above_cost = 0`);
        const { rows } = await plain.query(COMPILED_WITH_JIT);
        // a Postgres built without LLVM never compiles: then this proves nothing, and says so
        const jitAvailable = (await plain.query(`SELECT pg_jit_available() AS available`)).rows[0].available;
        expect(usedJit(rows)).toBe(jitAvailable);
      });
    });

    /**
     * Issue 19: with Postgres's default `random_page_cost` (4, a disk seek per page) the generic
     * plan of a lookup of a few digests scans a table of a few thousand rows whole: the bench's
     * manifest pushes scanned `blob` 3 times a push for their first 15 s, which cost a fifth of their rate.
     */
    it('looks the blobs a push names up through the digest index on a table of 1,500 blobs, where the default page cost scans it', async () => {
      await sql.query(`INSERT INTO blob (digest, size) SELECT 'sha256:f' || lpad(to_hex(n), 63, '0'), 1 FROM generate_series(1, 1500) n`);
      try {
        expect(await sql.query(`SHOW random_page_cost`)).toEqual([{ random_page_cost: '1.1' }]);
        const planned = await sql.withConnection((db) => genericPlanOfBlobsByDigest((text) => db.query(text)));
        expect(planned).toMatch(/Index Cond: \(\(digest\)::text = ANY/);
        expect(planned).not.toMatch(/Seq Scan on blob/);

        const planAtDefaultCost = await withPlainClient(async (plain) => {
          await plain.query(`SET random_page_cost = 4`);
          return genericPlanOfBlobsByDigest(async (text) => (await plain.query(text)).rows);
        });
        expect(planAtDefaultCost).toMatch(/Seq Scan on blob/);
      } finally {
        await sql.query(`DELETE FROM blob WHERE digest LIKE 'sha256:f0000000%'`);
      }
    });
  });
});
