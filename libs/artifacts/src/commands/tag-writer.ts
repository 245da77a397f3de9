import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import { ImmutableTagGuard } from '@wharf/immutability';
import { immutableTag, type Protocol } from './refusals';

/**
 * How a tag is pointed. `move`: it moves when it named another artifact (a push, a copy).
 * `create`: only a new tag is written; an existing one is reported, not touched (the management
 * API's "add tag"). `upstream`: a proxy cache follows its upstream, which immutability rules of
 * the cache do not govern (and nobody may push into a proxy project anyway).
 */
export type PointMode = 'move' | 'create' | 'upstream';

/** Tags about to be pointed in `repository` (full name), with the rules protecting them: see `TagWriter.prepare`. */
export interface PreparedTags {
  readonly repository: string;
  readonly tags: readonly string[];
  readonly immutable: ReadonlyMap<string, number>;
  readonly mode: PointMode;
}

/** What became of one tag: written, or left on the artifact it named (`taken`) or already here (`exists`). */
export type PointOutcome = { id: number; outcome: 'written' } | { outcome: 'taken' | 'exists' };

/**
 * The only writer of `tag` rows, and the one place the immutable-tag rule is enforced: an
 * immutable tag may be created, or pushed again with its digest, but never moved to another
 * artifact nor removed (nor the artifact carrying it deleted). Every command that touches a tag
 * (push, copy, add, remove, delete, the proxy cache) goes through here, inside its transaction
 * (rules are read before it: `prepare`).
 */
@Injectable()
export class TagWriter {
  constructor(private readonly guard: ImmutableTagGuard) {}

  /** The tags among `tags` of `repository` that an enabled rule protects, each with that rule (cached per project). */
  immutableAmong(repository: string, tags: readonly string[]): Promise<Map<string, number>> {
    return this.guard.immutableTags(repository, tags);
  }

  /**
   * The tags a command will point, with the rules that protect them, read before its
   * transaction: a rule lookup is a query when the project's rules are not cached, and one
   * waiting for a pool connection while the transaction holds the project's row lock could starve
   * the pool of the pushes queued behind that lock.
   */
  async prepare(repository: string, tags: readonly string[], mode: PointMode = 'move'): Promise<PreparedTags> {
    const immutable = mode === 'upstream' ? new Map<string, number>() : await this.immutableAmong(repository, tags);
    return { repository, tags, immutable, mode };
  }

  /**
   * For a transaction that learns its tags only under its locks (a deep delete): the project's
   * rules read into the guard's cache just before it, so the check inside rarely needs the pool.
   */
  async loadRules(repository: string): Promise<void> {
    await this.guard.hasRules(repository);
  }

  /**
   * Points each prepared tag at the artifact. An immutable tag naming another artifact is
   * refused (412), whatever the mode; a `create` of a tag that exists comes back as `taken` or `exists`.
   */
  async point(tx: SqlExecutor, repositoryId: number, artifactId: number, prepared: PreparedTags, protocol: Protocol): Promise<PointOutcome[]> {
    const outcomes: PointOutcome[] = [];
    await lockArtifactsBeforeTags(
      tx,
      `SELECT $2::bigint UNION SELECT artifact_id FROM tag WHERE repository_id = $1 AND name = ANY($3::text[])`,
      [repositoryId, artifactId, [...prepared.tags]],
    );
    for (const tag of prepared.tags) {
      const rule = prepared.immutable.get(tag);
      const mayMove = prepared.mode !== 'create' && rule === undefined;
      // one statement for every mode: a tag already on this artifact is refreshed (a push again),
      // one on another artifact moves only when allowed; `xmax = 0` tells an insert from an update
      const rows = await tx.query<{ id: number; inserted: boolean }>(
        `INSERT INTO tag (repository_id, artifact_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (repository_id, name) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, push_time = now()
          WHERE $4::boolean OR tag.artifact_id = EXCLUDED.artifact_id
         RETURNING id, (xmax = 0) AS inserted`,
        [repositoryId, artifactId, tag, mayMove],
      );
      if (rows.length === 0 && rule !== undefined) throw immutableTag(protocol, prepared.repository, tag, rule, 'overwritten');
      if (rows.length === 0) outcomes.push({ outcome: 'taken' });
      else if (prepared.mode === 'create' && !rows[0].inserted) outcomes.push({ outcome: 'exists' });
      else outcomes.push({ id: rows[0].id, outcome: 'written' });
    }
    return outcomes;
  }

  /**
   * Before any bytes of a push are stored: refuses (412) when one of the prepared tags is
   * immutable and names an artifact other than `digest`. The transaction's `point` checks again under its locks.
   */
  async refuseMoves(db: SqlExecutor, digest: string, prepared: PreparedTags, protocol: Protocol): Promise<void> {
    if (prepared.immutable.size === 0) return;
    const moved = await db.query<{ name: string }>(
      `SELECT t.name FROM tag t JOIN repository r ON r.repository_id = t.repository_id JOIN artifact a ON a.id = t.artifact_id
        WHERE r.name = $1 AND t.name = ANY($2) AND a.digest <> $3`,
      [prepared.repository, [...prepared.immutable.keys()], digest],
    );
    if (moved[0]) throw immutableTag(protocol, prepared.repository, moved[0].name, prepared.immutable.get(moved[0].name)!, 'overwritten');
  }

  /** Refuses (412) removing these tags, or an artifact that carries them, when one is immutable. */
  async refuseRemoval(repository: string, tags: readonly string[], protocol: Protocol): Promise<void> {
    const [immutable] = await this.immutableAmong(repository, tags);
    if (immutable) throw immutableTag(protocol, repository, immutable[0], immutable[1], 'deleted');
  }

  /**
   * Removes the prepared tag (only from `artifactId` when given); the artifact stays. Refused
   * when the tag is immutable, even where there is no such tag. The artifact it named, or null
   * when there was no such tag.
   */
  async remove(tx: SqlExecutor, repositoryId: number | null, prepared: PreparedTags, protocol: Protocol, artifactId?: number): Promise<{ artifactId: number } | null> {
    const [tag] = prepared.tags;
    const rule = prepared.immutable.get(tag);
    if (rule !== undefined) throw immutableTag(protocol, prepared.repository, tag, rule, 'deleted');
    if (repositoryId === null) return null;
    await lockArtifactsBeforeTags(tx, `SELECT artifact_id FROM tag WHERE repository_id = $1 AND name = $2`, [repositoryId, tag]);
    const rows = await tx.query<{ artifact_id: number }>(
      `DELETE FROM tag WHERE repository_id = $1 AND name = $2 AND ($3::bigint IS NULL OR artifact_id = $3) RETURNING artifact_id`,
      [repositoryId, tag, artifactId ?? null],
    );
    return rows[0] ? { artifactId: rows[0].artifact_id } : null;
  }

  /**
   * Removes many tags of one repository, each only from the artifact named beside it and only if
   * pushed before `pushedBefore` (tag retention). Immutable tags are never removed (returned as
   * refused). The tags that went, with their artifact.
   */
  async removeUnchanged(
    tx: SqlExecutor,
    repositoryId: number,
    prepared: PreparedTags,
    owners: ReadonlyMap<string, number>,
    pushedBefore: Date,
  ): Promise<{ name: string; artifactId: number }[]> {
    const removable = prepared.tags.filter((t) => !prepared.immutable.has(t) && owners.has(t));
    if (removable.length === 0) return [];
    await lockArtifactsBeforeTags(tx, `SELECT artifact_id FROM tag WHERE repository_id = $1 AND name = ANY($2::text[])`, [repositoryId, removable]);
    const rows = await tx.query<{ name: string; artifact_id: number }>(
      `DELETE FROM tag t USING unnest($2::text[], $3::bigint[]) AS w(name, artifact_id)
        WHERE t.repository_id = $1 AND t.name = w.name AND t.artifact_id = w.artifact_id AND t.push_time < $4
        RETURNING t.name, t.artifact_id`,
      [repositoryId, removable, removable.map((t) => owners.get(t)!), pushedBefore],
    );
    return rows.map((r) => ({ name: r.name, artifactId: r.artifact_id }));
  }
}

/**
 * Locks the artifacts a tag write will touch (`ids`: a query returning their ids), in id order,
 * before the tag rows. The listed-count triggers (migration 1765320000000) lock the artifacts a
 * tag write changed after that write, so without this a tag write held its tag row, then waited
 * for the artifact; while a delete of that artifact (which locks it first, then its tags through
 * the cascade) waited for the tag row: a deadlock, seen between an untag and a deep delete. Every
 * writer now takes artifacts first, in id order, as pushes and pull-time updates do.
 */
async function lockArtifactsBeforeTags(tx: SqlExecutor, ids: string, params: unknown[]): Promise<void> {
  await tx.query(`SELECT 1 FROM artifact WHERE id IN (${ids}) ORDER BY id FOR NO KEY UPDATE`, params);
}
