import { loadConfig } from '@wharf/config';
import { runMigrations } from '@wharf/db';
import { Client } from 'pg';
import { ManifestPushFunctions1765321000000 } from '../../libs/db/src/migrations/1765321000000-manifest-push-functions';
import { BlobUploadRecordFunction1765331000000 } from '../../libs/db/src/migrations/1765331000000-blob-upload-record-function';
import { BlobRecordFunction1765340000000 } from '../../libs/db/src/migrations/1765340000000-blob-record-function';
import { createTestDatabase } from '../support/test-database';

/** The SQL a migration step sends. */
async function sqlOf(step: (runner: never) => Promise<void>): Promise<string> {
  const sent: string[] = [];
  await step({ query: async (sql: string) => void sent.push(sql) } as never);
  return sent.join('\n');
}

/** The body (between the `$$`) of function `name` as `sql` creates it. */
function bodyIn(sql: string, name: string): string {
  const match = new RegExp(`CREATE FUNCTION ${name}\\([^$]*\\$\\$([\\s\\S]*?)\\$\\$;`).exec(sql);
  if (!match) throw new Error(`no CREATE FUNCTION ${name}`);
  return match[1];
}

/**
 * Migration 1765340000000 replaces wharf_blob_upload_record and wharf_manifest_blob_record (which
 * differed only in their commit) by wharf_blob_record; its down() brings both back as their own
 * migrations created them.
 */
describe('wharf_blob_record migration', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations(loadConfig({ ...process.env, DATABASE_URL: database.url }));
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  const functions = async () =>
    (await db.query<{ name: string; body: string }>(`SELECT proname AS name, prosrc AS body FROM pg_proc WHERE proname LIKE 'wharf\\_%blob\\_%record' ORDER BY proname`)).rows;

  it('leaves one function; down() restores the two as they were, up() again the one', async () => {
    const migration = new BlobRecordFunction1765340000000();
    const runner = { query: (sql: string) => db.query(sql) } as never;
    expect((await functions()).map((f) => f.name)).toEqual(['wharf_blob_record']);

    await migration.down(runner);
    const restored = await functions();
    expect(restored.map((f) => f.name)).toEqual(['wharf_blob_upload_record', 'wharf_manifest_blob_record']);
    const manifestPush = await sqlOf((r) => new ManifestPushFunctions1765321000000().up(r));
    const blobUpload = await sqlOf((r) => new BlobUploadRecordFunction1765331000000().up(r));
    expect(restored[0].body).toBe(bodyIn(blobUpload, 'wharf_blob_upload_record'));
    expect(restored[1].body).toBe(bodyIn(manifestPush, 'wharf_manifest_blob_record'));

    await migration.up(runner);
    expect((await functions()).map((f) => f.name)).toEqual(['wharf_blob_record']);
  });
});
