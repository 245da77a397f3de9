import { Client } from 'pg';

/** Thrown with a message a newcomer can act on when Postgres or Redis cannot be reached. */
export class ServiceUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnreachableError';
  }
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:*****@');

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/**
 * Creates the configured database when it does not exist yet (`npm run dev` on a fresh machine),
 * and turns "connection refused" into instructions.
 */
export async function ensureDatabaseExists(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new ServiceUnreachableError(
      `PostgreSQL is not reachable at ${redact(databaseUrl)} (${(error as Error).message}).\n` +
        `Start it (Debian: 'pg_ctlcluster 15 main start', or 'docker compose up -d postgres') or set DATABASE_URL.`,
    );
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** Fails fast with instructions when the database cannot be reached. */
export async function assertDatabaseReachable(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new ServiceUnreachableError(
      `PostgreSQL is not reachable at ${redact(databaseUrl)} (${(error as Error).message}).\n` +
        `Start it (Debian: 'pg_ctlcluster 15 main start', or 'docker compose up -d postgres'), ` +
        `create the database with 'npm run migration:run', or set DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
