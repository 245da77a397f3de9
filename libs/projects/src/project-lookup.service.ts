import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';

export interface ProjectRef {
  id: number;
  name: string;
  public: boolean;
}

/**
 * Resolves the project that owns a repository (its first path segment). Project management
 * (create, members, quotas) grows here; the registry endpoint only needs to know a project exists.
 */
@Injectable()
export class ProjectLookupService {
  constructor(private readonly sql: SqlClient) {}

  async findByName(name: string): Promise<ProjectRef | null> {
    const rows = await this.sql.query<ProjectRef>(
      `SELECT p.project_id AS id, p.name, COALESCE(m.value = 'true', false) AS public
         FROM project p LEFT JOIN project_metadata m ON m.project_id = p.project_id AND m.name = 'public'
        WHERE p.name = $1`,
      [name],
    );
    return rows[0] ?? null;
  }
}
