import { SqlClient } from '@wharf/db';
import { Client } from 'pg';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

/** Raw SQL on the api's own pool: bigint comes back as a number, checked against 2^53, on every path. */
describe('bigint results of raw SQL', () => {
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
    const other = new Client({ connectionString: environment.config.DATABASE_URL });
    await other.connect();
    try {
      expect((await other.query(`SELECT 9007199254740993::bigint AS n`)).rows).toEqual([{ n: '9007199254740993' }]);
    } finally {
      await other.end();
    }
  });
});
