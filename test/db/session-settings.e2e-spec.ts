import { SqlClient } from '@wharf/db';
import { Client } from 'pg';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

/** A statement Postgres compiles with JIT when its cost passes jit_above_cost (set to 0 here for every statement). */
const COMPILED_WITH_JIT = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(n) FROM generate_series(1, 1000) n`;

function usedJit(plan: unknown): boolean {
  return JSON.stringify(plan).includes('"JIT"');
}

/**
 * Issue 19: Wharf's connections run without JIT. The consumers' lag, read by /health and the
 * worker's metrics, joins two rows to one; on tables never analyzed Postgres costed it at 7.5 M
 * and compiled it for 636 ms on every call.
 */
describe('session settings of the pool', () => {
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

  it('turns JIT off on every connection, where a plain connection to the same database compiles', async () => {
    expect(await sql.query(`SHOW jit`)).toEqual([{ jit: 'off' }]);
    const plan = await sql.transaction(async (tx) => {
      await tx.query(`SET LOCAL jit_above_cost = 0`);
      return tx.query(COMPILED_WITH_JIT);
    });
    expect(usedJit(plan)).toBe(false);

    const plain = new Client({ connectionString: environment.config.DATABASE_URL });
    await plain.connect();
    try {
      await plain.query(`SET jit_above_cost = 0`);
      const { rows } = await plain.query(COMPILED_WITH_JIT);
      // a Postgres built without LLVM never compiles: then this proves nothing, and says so
      const jitAvailable = (await plain.query(`SELECT pg_jit_available() AS available`)).rows[0].available;
      expect(usedJit(rows)).toBe(jitAvailable);
    } finally {
      await plain.end();
    }
  });
});
