import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';

/** Names what still uses an endpoint, e.g. `project p1`; empty when none. */
export type RegistryReferenceCheck = (registryId: number) => Promise<string[]>;

/**
 * What keeps an endpoint from being deleted. Proxy-cache projects are checked here; another
 * user of endpoints (replication policies, later) registers its own check at module init.
 */
@Injectable()
export class RegistryReferences {
  private readonly checks: RegistryReferenceCheck[] = [(id) => this.projectsUsing(id)];

  constructor(private readonly sql: SqlClient) {}

  register(check: RegistryReferenceCheck): void {
    this.checks.push(check);
  }

  async usersOf(registryId: number): Promise<string[]> {
    return (await Promise.all(this.checks.map((check) => check(registryId)))).flat();
  }

  private async projectsUsing(registryId: number): Promise<string[]> {
    const rows = await this.sql.query<{ name: string }>(`SELECT name FROM project WHERE registry_id = $1 ORDER BY name LIMIT 10`, [registryId]);
    return rows.map((r) => `project ${r.name}`);
  }
}
