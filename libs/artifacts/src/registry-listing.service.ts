import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { NotFoundError } from '@wharf/errors';
import { MediaType } from '@wharf/registry-core';

export interface Page<T> {
  items: T[];
  /** the `last` value of the next page, when there is one */
  next?: string;
}

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export const MAX_PAGE_SIZE = 1000;

/** The /v2 listings: tags of a repository, the catalog, and the referrers of a subject. */
@Injectable()
export class RegistryListingService {
  constructor(private readonly sql: SqlClient) {}

  async tags(repository: string, n: number | undefined, last: string | undefined): Promise<Page<string>> {
    const limit = Math.min(n ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const repo = await this.sql.query<{ id: number }>(`SELECT repository_id AS id FROM repository WHERE name = $1`, [repository]);
    if (!repo[0]) throw new NotFoundError('repository', 'repository name not known to registry', { details: { name: repository } });
    if (limit === 0) return { items: [] };
    const rows = await this.sql.query<{ name: string }>(
      `SELECT name FROM tag WHERE repository_id = $1 AND ($2::varchar IS NULL OR name COLLATE "C" > $2) ORDER BY name COLLATE "C" LIMIT $3`,
      [repo[0].id, last ?? null, limit + 1],
    );
    return pageOfNames(rows.map((r) => r.name), limit);
  }

  /** `projects` limits the catalog to what the caller may see; undefined means everything (system admin). */
  async catalog(n: number | undefined, last: string | undefined, projects?: number[]): Promise<Page<string>> {
    const limit = Math.min(n ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    if (limit === 0) return { items: [] };
    const rows = await this.sql.query<{ name: string }>(
      `SELECT name FROM repository
        WHERE ($1::varchar IS NULL OR name COLLATE "C" > $1) AND ($3::int[] IS NULL OR project_id = ANY($3))
        ORDER BY name COLLATE "C" LIMIT $2`,
      [last ?? null, limit + 1, projects ?? null],
    );
    return pageOfNames(rows.map((r) => r.name), limit);
  }

  async referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
    const rows = await this.sql.query<{ mediaType: string; digest: string; size: number; artifactType: string | null; annotations: Record<string, string> | null }>(
      `SELECT a.media_type AS "mediaType", a.digest, a.size, a.artifact_type AS "artifactType", a.annotations
         FROM artifact a JOIN repository r ON r.repository_id = a.repository_id
        WHERE r.name = $1 AND a.subject_digest = $2 AND ($3::varchar IS NULL OR a.artifact_type = $3)
        ORDER BY a.push_time, a.id`,
      [repository, subject, artifactType ?? null],
    );
    return rows.map((r) => ({
      mediaType: r.mediaType,
      digest: r.digest,
      size: r.size,
      ...(r.artifactType ? { artifactType: r.artifactType } : {}),
      ...(r.annotations ? { annotations: r.annotations } : {}),
    }));
  }

  static referrersIndex(manifests: ReferrerDescriptor[]): Record<string, unknown> {
    return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
  }
}

/** The first `limit` of `names` (sorted, already after `last`), with the `last` of the next page when more remain. */
export function pageOfNames(names: string[], limit: number): Page<string> {
  if (names.length <= limit) return { items: names };
  const items = names.slice(0, limit);
  return { items, next: items[items.length - 1] };
}
