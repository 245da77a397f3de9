import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError } from '@wharf/errors';
import { EventOutbox, EventType } from '@wharf/events';
import { isValidTag } from '@wharf/registry-core';
import { ManifestCache } from '../manifest-cache';
import { lockWritableProject } from '../proxy-cache-writes';
import { ArtifactQueries } from '../queries/artifact-queries';
import { artifactNotFound, proxyProjectRefusal } from './refusals';
import { TagWriter } from './tag-writer';

/**
 * Tags on their own (a push or a copy points its tags itself): add one to an artifact, remove
 * one, and the proxy cache's move of a tag to content it cached earlier. Each change is written
 * by TagWriter, so the immutable-tag rule holds whoever calls.
 */
@Injectable()
export class TagCommands {
  constructor(
    private readonly sql: SqlClient,
    private readonly tags: TagWriter,
    private readonly queries: ArtifactQueries,
    private readonly outbox: EventOutbox,
    private readonly cache: ManifestCache,
  ) {}

  /**
   * Adds a tag to the artifact (management API): 409 when the repository has that tag already
   * (move it by deleting it first, as Harbor), 412 when that tag is immutable and on another
   * artifact, 403 in a proxy-cache project. Writes a push event.
   */
  async add(repositoryId: number, repositoryName: string, reference: string, name: string, operator = ''): Promise<void> {
    if (!isValidTag(name)) throw new InvalidError('request', `invalid tag name "${name}"`);
    const artifact = await this.queries.get(repositoryId, reference);
    const prepared = await this.tags.prepare(repositoryName, [name], 'create');
    await this.sql.transaction(async (tx) => {
      await lockWritableProject(tx, artifact.project_id, proxyProjectRefusal('management'));
      const [pointed] = await this.tags.point(tx, repositoryId, artifact.id, prepared, 'management');
      if (pointed.outcome !== 'written') throw new ConflictError(`tag ${name} already exists in ${repositoryName}`);
      await this.outbox.write(tx, [
        { type: EventType.PushArtifact, data: { repository: repositoryName, digest: artifact.digest, tags: [name], mediaType: artifact.manifest_media_type, operator, tagsOnly: true } },
      ]);
    });
    await this.cache.invalidate(repositoryName);
  }

  /**
   * A /v2 manifest DELETE by tag: only the tag goes, whatever it names (the artifact stays);
   * 412 when it is immutable. Writes a tag delete event.
   */
  async untag(repository: string, tag: string, operator = ''): Promise<void> {
    const prepared = await this.tags.prepare(repository, [tag]);
    await this.sql.transaction(async (tx) => {
      const repo = await tx.query<{ id: number }>(`SELECT repository_id AS id FROM repository WHERE name = $1`, [repository]);
      const removed = await this.tags.remove(tx, repo[0]?.id ?? null, prepared, 'registry');
      if (!removed) throw artifactNotFound('registry', repository, tag);
      await this.writeTagDeleted(tx, repository, removed.artifactId, tag, operator);
    });
    await this.cache.invalidate(repository);
  }

  /** Removes the tag from the artifact `reference` names (management API); 404 when it is not there, 412 when immutable. */
  async removeFromArtifact(repositoryId: number, repositoryName: string, reference: string, name: string, operator = ''): Promise<void> {
    const artifact = await this.queries.get(repositoryId, reference);
    const prepared = await this.tags.prepare(repositoryName, [name]);
    await this.sql.transaction(async (tx) => {
      const removed = await this.tags.remove(tx, repositoryId, prepared, 'management', artifact.id);
      if (!removed) throw new NotFoundError('tag', `tag ${name} not found on artifact ${reference}`);
      await this.writeTagDeleted(tx, repositoryName, removed.artifactId, name, operator);
    });
    await this.cache.invalidate(repositoryName);
  }

  /**
   * Tag retention's tag removal, many tags of one repository in one transaction: each goes only
   * if it still names the artifact given and was pushed before `pushedBefore` (a tag pushed or
   * moved during the run stays); immutable ones never.
   * Writes a tag delete event for each. `tag -> artifact id` in; the tags that went out.
   */
  async untagManyIfUnchanged(repository: string, owners: ReadonlyMap<string, number>, pushedBefore: Date, operator: string): Promise<Set<string>> {
    if (owners.size === 0) return new Set();
    const prepared = await this.tags.prepare(repository, [...owners.keys()]);
    const removed = await this.sql.transaction(async (tx) => {
      const repo = await tx.query<{ id: number }>(`SELECT repository_id AS id FROM repository WHERE name = $1`, [repository]);
      if (!repo[0]) return [];
      const gone = await this.tags.removeUnchanged(tx, repo[0].id, prepared, owners, pushedBefore);
      if (gone.length === 0) return gone;
      const artifacts = await tx.query<{ id: number; digest: string; media_type: string }>(`SELECT id, digest, media_type FROM artifact WHERE id = ANY($1::bigint[])`, [
        [...new Set(gone.map((g) => g.artifactId))],
      ]);
      const byId = new Map(artifacts.map((a) => [a.id, a]));
      await this.outbox.write(
        tx,
        gone.map((g) => ({ type: EventType.DeleteTag, data: { repository, digest: byId.get(g.artifactId)!.digest, tags: [g.name], mediaType: byId.get(g.artifactId)!.media_type, operator } })),
      );
      return gone;
    });
    if (removed.length) await this.cache.invalidate(repository);
    return new Set(removed.map((r) => r.name));
  }

  /**
   * Proxy cache: points `tag` at an artifact the repository already holds (the upstream moved
   * the tag back to content cached earlier). False when the repository does not hold it.
   */
  async pointAtCached(repositoryName: string, tag: string, digest: string): Promise<boolean> {
    const prepared = await this.tags.prepare(repositoryName, [tag], 'upstream');
    const pointed = await this.sql.transaction(async (tx) => {
      const found = await tx.query<{ repository_id: number; id: number }>(
        `SELECT a.repository_id, a.id FROM artifact a JOIN repository r ON r.repository_id = a.repository_id WHERE r.name = $1 AND a.digest = $2`,
        [repositoryName, digest],
      );
      if (!found[0]) return false;
      await this.tags.point(tx, found[0].repository_id, found[0].id, prepared, 'registry');
      return true;
    });
    if (pointed) await this.cache.invalidate(repositoryName);
    return pointed;
  }

  private async writeTagDeleted(tx: SqlExecutor, repository: string, artifactId: number, tag: string, operator: string): Promise<void> {
    const rows = await tx.query<{ digest: string; media_type: string }>(`SELECT digest, media_type FROM artifact WHERE id = $1`, [artifactId]);
    await this.outbox.write(tx, [{ type: EventType.DeleteTag, data: { repository, digest: rows[0].digest, tags: [tag], mediaType: rows[0].media_type, operator } }]);
  }
}
