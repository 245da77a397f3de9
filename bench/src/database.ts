import { Client } from 'pg';

const ADMIN_URL = process.env.WHARF_BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  /** whether any session is running a statement or sits inside a transaction in this database */
  busy(): Promise<boolean>;
  drop(): Promise<void>;
}

/**
 * A fresh database of the bench's own (created here, so CREATE fails rather than reuse one
 * that exists). Migrations are run by the caller with Wharf's own runMigrations.
 */
export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  // one connection for the frequent busy() polls, opened on first use
  let monitor: Promise<Client> | undefined;
  const connectMonitor = async () => {
    const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
    await client.connect();
    return client;
  };
  return {
    name,
    url: url.toString(),
    async busy() {
      monitor ??= connectMonitor();
      const { rows } = await (await monitor).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND backend_type = 'client backend' AND state IN ('active', 'idle in transaction')`,
        [name],
      );
      return rows[0].n > 0;
    },
    async drop() {
      if (monitor) await (await monitor).end().catch(() => undefined);
      // FORCE: the api may still hold pooled connections if it did not stop cleanly
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
