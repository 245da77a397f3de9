import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';

/** System-wide settings kept in Postgres (Harbor's configurations): the default project quota so far. */
@Injectable()
export class SystemSettingsService {
  constructor(private readonly sql: SqlClient) {}

  /** Bytes a new project may store, -1 for unlimited. */
  async defaultStorageLimit(): Promise<number> {
    const rows = await this.sql.query<{ value: number }>(`SELECT value FROM system_setting WHERE name = 'storage_per_project'`);
    return rows[0] ? Number(rows[0].value) : -1;
  }

  async setDefaultStorageLimit(bytes: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO system_setting (name, value) VALUES ('storage_per_project', $1)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, update_time = now()`,
      [JSON.stringify(bytes)],
    );
  }
}
