import { PLAN_REFRESH_STATEMENT, refreshPlansAsTablesGrow } from '@wharf/db';
import { Pool } from 'pg';
import { createTestDatabase } from '../support/test-database';

const LOOKUP = { name: 'lookup_by_id', text: 'SELECT v FROM grown WHERE id = $1' };

/**
 * Issue 19: a pooled connection's cached plans are made again as the tables grow. Postgres keeps a
 * prepared statement's generic plan until the table's statistics change; on a Postgres without
 * autovacuum (this machine's) they never do, and a plan made on a nearly empty table (a
 * sequential scan) served every later call. Measured with the bench: manifest pushes at half the
 * speed within 20 s, 1.0x docker-registry once plans follow the tables.
 */
describe('cached plans follow the tables as they grow', () => {
  let database: { url: string; drop: () => Promise<void> };
  let pool: Pool;
  let clock = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    // one connection, so every call below meets the same cached plans
    pool = new Pool({ connectionString: database.url, max: 1 });
    refreshPlansAsTablesGrow(pool, { firstMs: 1_000, maxMs: 8_000 }, () => clock);
    await pool.query(`CREATE TABLE grown (id integer PRIMARY KEY, v text)`);
    await pool.query(`INSERT INTO grown VALUES (1, 'one')`);
    // statistics of a table with one row, as on a registry's first push
    await pool.query(`ANALYZE grown`);
    await pool.query(`SET plan_cache_mode = force_generic_plan`);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function planOfLookup(): Promise<string> {
    expect((await pool.query({ ...LOOKUP, values: [1] })).rows).toEqual([{ v: 'one' }]);
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${LOOKUP.name}(1)`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('plans a prepared statement again once the connection is due, and keeps the statement', async () => {
    expect(await planOfLookup()).toMatch(/Seq Scan on grown/);
    await pool.query(`INSERT INTO grown SELECT n, 'row ' || n FROM generate_series(2, 50000) n`);
    // not due yet: the plan made on one row still serves the grown table
    expect(await planOfLookup()).toMatch(/Seq Scan on grown/);
    clock += 1_000;
    expect(await planOfLookup()).toMatch(/Index Scan using grown_pkey/);
  });

  it('refreshes at doubling intervals, up to the longest', async () => {
    const refreshes: number[] = [];
    const client = await pool.connect();
    const original = client.query.bind(client);
    (client as unknown as { query: unknown }).query = (...args: Parameters<typeof original>) => {
      if (args[0] === PLAN_REFRESH_STATEMENT) refreshes.push(clock);
      return original(...args);
    };
    client.release();
    try {
      // the last refresh was at 1 s: next at 3 s, 7 s, then every 8 s
      for (clock = 1_000; clock <= 24_000; clock += 500) await pool.query('SELECT 1');
      expect(refreshes).toEqual([3_000, 7_000, 15_000, 23_000]);
    } finally {
      (client as unknown as { query: unknown }).query = original;
    }
  });
});
