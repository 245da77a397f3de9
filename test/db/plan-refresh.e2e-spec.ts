import { PLAN_REFRESH_STATEMENT, refreshPlansAsTablesGrow, TABLE_ROWS_STATEMENT } from '@wharf/db';
import { Pool, type PoolClient } from 'pg';
import { createTestDatabase } from '../support/test-database';

const LOOKUP = { name: 'lookup_by_id', text: 'SELECT v FROM grown WHERE id = $1' };
const POLICY = { checkEveryMs: 1_000, growthFactor: 2, minRows: 100, maxIntervalMs: 60_000 };

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
  let rows = 1;
  /** what the pool sent on its own, with the clock at the time */
  const sent: { statement: string; at: number }[] = [];
  /** the callers' statements that were queued behind another on the connection (pg 8 warns of it, pg 9 refuses it) */
  const queuedBehind: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // one connection, so every call below meets the same cached plans
    pool = new Pool({ connectionString: database.url, max: 1 });
    const client = await pool.connect();
    spyOnOwnStatements(client);
    client.release();
    await pool.query(`CREATE TABLE grown (id integer PRIMARY KEY, v text)`);
    await pool.query(`INSERT INTO grown VALUES (1, 'one')`);
    // statistics of a table with one row, as on a registry's first push
    await pool.query(`ANALYZE grown`);
    await pool.query(`SET plan_cache_mode = force_generic_plan`);
    await flushCounts();
    refreshPlansAsTablesGrow(pool, POLICY, () => clock);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  function spyOnOwnStatements(client: PoolClient): void {
    const original = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    // pg's own record of the statement running on the connection (what its warning checks)
    const running = () => (client as unknown as { _getActiveQuery(): unknown })._getActiveQuery();
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      if (args[0] === PLAN_REFRESH_STATEMENT || args[0] === TABLE_ROWS_STATEMENT) sent.push({ statement: args[0], at: clock });
      else if (running()) queuedBehind.push(String((args[0] as { text?: string }).text ?? args[0]));
      return original(...args);
    };
  }

  /** The live-row counters as Postgres publishes them (a session sends its own at most once a second otherwise). */
  async function flushCounts(): Promise<void> {
    await pool.query(`SELECT pg_stat_force_next_flush()`);
  }

  async function growTo(count: number): Promise<void> {
    await pool.query(`INSERT INTO grown SELECT n, 'row ' || n FROM generate_series($1::int, $2::int) n`, [rows + 1, count]);
    rows = count;
    await flushCounts();
  }

  async function planOfLookup(): Promise<string> {
    expect((await pool.query({ ...LOOKUP, values: [1] })).rows).toEqual([{ v: 'one' }]);
    const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${LOOKUP.name}(1)`);
    return plan.map((row) => row['QUERY PLAN']).join('\n');
  }

  const refreshes = () => sent.filter((s) => s.statement === PLAN_REFRESH_STATEMENT).map((s) => s.at);
  const counts = () => sent.filter((s) => s.statement === TABLE_ROWS_STATEMENT).map((s) => s.at);

  it('plans a prepared statement again once a table has doubled, and keeps the statement', async () => {
    // the first use reads the counts the plans are made for
    expect(await planOfLookup()).toMatch(/Seq Scan on grown/);
    expect(counts()).toEqual([0]);
    await growTo(50_000);
    // counted again only a second later: the plan made on one row still serves the grown table
    expect(await planOfLookup()).toMatch(/Seq Scan on grown/);
    clock += 1_000;
    await pool.query('SELECT 1');
    expect(counts()).toEqual([0, 1_000]);
    expect(await planOfLookup()).toMatch(/Index Scan using grown_pkey/);
    expect(refreshes()).toEqual([1_000]);
  });

  it('reads the counts at most once a second, and plans again only when a table has doubled since the last time', async () => {
    sent.length = 0;
    // 50,000 rows at the last refresh: half as many again is not enough
    await growTo(75_000);
    for (let step = 0; step < 8; step += 1) {
      clock += 250;
      await pool.query('SELECT 1');
    }
    expect(counts()).toEqual([2_000, 3_000]);
    expect(refreshes()).toEqual([]);
    await growTo(110_000);
    for (let step = 0; step < 8; step += 1) {
      clock += 250;
      await pool.query('SELECT 1');
    }
    expect(counts()).toEqual([2_000, 3_000, 4_000, 5_000]);
    // noticed by the count at 4 s, sent ahead of the connection's next statement
    expect(refreshes()).toEqual([4_250]);
  });

  it('plans again on time when no table grows (the counters may be off)', async () => {
    sent.length = 0;
    // the last refresh was at 4 s
    clock = 63_500;
    await pool.query('SELECT 1');
    expect(refreshes()).toEqual([]);
    clock = 64_000;
    await pool.query('SELECT 1');
    await pool.query('SELECT 1');
    expect(refreshes()).toEqual([64_000]);
    // measured from the counts read then: 110,000 rows do not make it due again
    clock = 66_000;
    await pool.query('SELECT 1');
    await pool.query('SELECT 1');
    expect(refreshes()).toEqual([64_000]);
  });

  it('sends its own statements before the connection is handed over, never queued ahead of the caller', async () => {
    sent.length = 0;
    // both due on one handover: the refresh on time and the count
    clock = 200_000;
    await pool.query('SELECT 1');
    expect(refreshes()).toEqual([200_000]);
    expect(counts()).toEqual([200_000]);
    expect(queuedBehind).toEqual([]);
  });
});
