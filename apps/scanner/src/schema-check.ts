import { Client } from 'pg';

/**
 * The scanner's tables come with `npm run migration:run` like everyone's: a scanner started on a
 * database without them says so and stops, instead of answering 500 to every scan.
 */
export async function assertScannerSchema(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string | null }>(`SELECT to_regclass('scanner_scan')::text AS table`);
    if (!rows[0]?.table) throw new Error(`the scanner's table scanner_scan is missing in this database: run 'npm run migration:run' first`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
