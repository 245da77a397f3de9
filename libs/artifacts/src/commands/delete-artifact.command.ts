import { Inject, Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { InvalidError } from '@wharf/errors';
import { EventOutbox, EventType, type NewEvent } from '@wharf/events';
import { QUOTA_LEDGER, isDigest, isValidTag, type QuotaLedgerPort } from '@wharf/registry-core';
import { ACCESSORY_OF, UNTAGGED_ARTIFACT, artifactClosure } from '../artifact-closure';
import { removeArtifact, removeArtifacts } from '../artifact-removal';
import { ManifestCache } from '../manifest-cache';
import { artifactNotFound, immutableTag, referencedByIndex, type Protocol } from './refusals';
import { TagWriter } from './tag-writer';

/** The artifact a delete was asked for (the others it took along are in the events). */
export interface DeletedArtifact {
  id: number;
  digest: string;
}

/** One artifact of what goes, as the DELETE_ARTIFACT event names it. */
interface Member {
  id: number;
  digest: string;
  media_type: string;
  tags: string[];
}

/** Why a deep delete cannot go ahead: an index outside it still names one of its artifacts, or an immutable tag is on one. */
type Blocker = { kind: 'referenced'; child: string; parent: string } | { kind: 'immutable'; tag: string; rule: number };

/**
 * Harbor's deep delete of an artifact, the same whoever asks (a /v2 manifest DELETE by digest,
 * the management API, GC's delete_untagged, proxy-cache expiry, later retention): the artifact
 * with its tags, its accessories (signatures, SBOMs: recursively), and for an index the children
 * no tag and no other index keeps, in one transaction under the project's row lock. Every
 * artifact that goes is announced by a DELETE_ARTIFACT event with the operator, its tags go with
 * it (their rows and labels cascade), and the quota of blobs nothing left in the project uses is
 * given back; the bytes stay for GC. Refused, as a whole, when an index outside what goes still
 * names one of its artifacts or an immutable tag is on one.
 */
@Injectable()
export class DeleteArtifactCommand {
  constructor(
    private readonly sql: SqlClient,
    private readonly tags: TagWriter,
    private readonly outbox: EventOutbox,
    private readonly cache: ManifestCache,
    @Inject(QUOTA_LEDGER) private readonly quota: QuotaLedgerPort,
  ) {}

  /** By digest, or (management API) by a tag naming it: the artifact either way. */
  async delete(repository: string, reference: string, protocol: Protocol, operator = ''): Promise<DeletedArtifact> {
    if (!isDigest(reference) && (protocol === 'registry' || !isValidTag(reference))) {
      if (protocol === 'management') throw new InvalidError('request', `"${reference}" is neither a digest nor a tag`);
      throw artifactNotFound(protocol, repository, reference);
    }
    await this.tags.loadRules(repository);
    const deleted = await this.sql.transaction(async (tx) => {
      const located = await this.lock(tx, repository, reference);
      if (!located) throw artifactNotFound(protocol, repository, reference);
      const members = await this.plan(tx, located.artifact);
      const blocker = await this.blocker(tx, repository, members);
      if (blocker?.kind === 'referenced') throw referencedByIndex(protocol, blocker.child, blocker.parent);
      if (blocker?.kind === 'immutable') throw immutableTag(protocol, repository, blocker.tag, blocker.rule, 'deleted');
      await this.remove(tx, located.projectId, repository, members, operator);
      return located.artifact;
    });
    await this.cache.invalidate(repository);
    return deleted;
  }

  /**
   * GC's delete_untagged: the same deep delete, of an artifact no tag points to, no index names,
   * whose subject (if it has one) is gone, and that was pushed before `pushedBefore`. Re-checked
   * under the artifact's row lock, so a tag or an index written meanwhile keeps it; what a delete
   * would refuse keeps it too. True when it went.
   */
  async deleteIfUntagged(repository: string, digest: string, pushedBefore: Date, operator: string): Promise<boolean> {
    await this.tags.loadRules(repository);
    const removed = await this.sql.transaction(async (tx) => {
      const located = await this.lock(tx, repository, digest);
      if (!located) return false;
      // a statement of its own: it sees what pushes that held the row committed before we got the lock
      const check = await tx.query<{ untagged: boolean }>(`SELECT (${UNTAGGED_ARTIFACT}) AND a.push_time < $2 AS untagged FROM artifact a WHERE a.id = $1`, [
        located.artifact.id,
        pushedBefore,
      ]);
      if (!check[0]?.untagged) return false;
      const members = await this.plan(tx, located.artifact);
      if (await this.blocker(tx, repository, members)) return false;
      await this.remove(tx, located.projectId, repository, members, operator);
      return true;
    });
    if (removed) await this.cache.invalidate(repository);
    return removed;
  }

  /**
   * Tag retention's delete: the same deep delete, only if the artifact is as the run saw it at
   * its snapshot: pushed before `pushedBefore`, carrying no tag pushed since nor any tag outside
   * `tags` (a tag added or moved onto it meanwhile keeps it). Re-checked under the artifact's row
   * lock; an index naming it or an immutable tag keeps it too. Why it stayed, or null when it went.
   */
  async deleteIfUnchanged(repository: string, digest: string, snapshot: { pushedBefore: Date; tags: readonly string[] }, operator: string): Promise<string | null> {
    await this.tags.loadRules(repository);
    const outcome = await this.sql.transaction(async (tx): Promise<string | null> => {
      const located = await this.lock(tx, repository, digest);
      if (!located) return 'gone meanwhile';
      const check = await tx.query<{ pushed_since: boolean; other_tags: boolean }>(
        `SELECT a.push_time >= $2 OR EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id AND t.push_time >= $2) AS pushed_since,
                EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id AND NOT (t.name = ANY($3::text[]))) AS other_tags
           FROM artifact a WHERE a.id = $1`,
        [located.artifact.id, snapshot.pushedBefore, snapshot.tags],
      );
      if (check[0].pushed_since) return 'pushed during the run';
      if (check[0].other_tags) return 'tagged during the run';
      const members = await this.plan(tx, located.artifact);
      const blocker = await this.blocker(tx, repository, members);
      if (blocker?.kind === 'referenced') return `referenced by index ${blocker.parent}`;
      if (blocker?.kind === 'immutable') return `immutable tag ${blocker.tag}`;
      await this.remove(tx, located.projectId, repository, members, operator);
      return null;
    });
    if (outcome === null) await this.cache.invalidate(repository);
    return outcome;
  }

  /**
   * `deleteIfUnchanged` for many artifacts of one repository, in one transaction under one project
   * lock (what makes a retention run over thousands of artifacts fast). Artifacts that have
   * accessories or index children, which need their closure worked out, go one by one through
   * `deleteIfUnchanged`; the plain ones (an image, nothing hanging off it) are checked and removed
   * together, with the same checks and the same rows, events and quota. digest -> why it stayed, or null.
   */
  async deleteManyIfUnchanged(
    repository: string,
    items: readonly { digest: string; tags: readonly string[] }[],
    pushedBefore: Date,
    operator: string,
  ): Promise<Map<string, string | null>> {
    const outcome = new Map<string, string | null>();
    if (items.length === 0) return outcome;
    await this.tags.loadRules(repository);
    const immutable = await this.tags.immutableAmong(repository, [...new Set(items.flatMap((i) => i.tags))]);
    const complex: string[] = [];
    await this.sql.transaction(async (tx) => {
      const project = await tx.query<{ project_id: number; repository_id: number }>(
        `SELECT p.project_id, r.repository_id FROM project p JOIN repository r ON r.project_id = p.project_id WHERE r.name = $1 FOR UPDATE OF p`,
        [repository],
      );
      if (!project[0]) {
        for (const item of items) outcome.set(item.digest, 'gone meanwhile');
        return;
      }
      const expected = Object.fromEntries(items.map((i) => [i.digest, i.tags]));
      const rows = await tx.query<{ id: number; digest: string; media_type: string; tags: string[]; pushed_since: boolean; referenced: boolean; has_closure: boolean }>(
        `SELECT a.id, a.digest, a.media_type,
                ARRAY(SELECT t.name FROM tag t WHERE t.artifact_id = a.id ORDER BY t.name) AS tags,
                a.push_time >= $3 OR EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id AND t.push_time >= $3) AS pushed_since,
                EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = a.id) AS referenced,
                EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.parent_id = a.id)
                  OR EXISTS (SELECT 1 FROM artifact x WHERE ${ACCESSORY_OF('x', 'a')}) AS has_closure
           FROM artifact a WHERE a.repository_id = $1 AND a.digest = ANY($2::text[]) ORDER BY a.id FOR UPDATE OF a`,
        [project[0].repository_id, Object.keys(expected), pushedBefore],
      );
      const going: typeof rows = [];
      for (const row of rows) {
        const seen = new Set(expected[row.digest]);
        const blockedBy = row.tags.find((t) => immutable.has(t));
        if (row.pushed_since) outcome.set(row.digest, 'pushed during the run');
        else if (row.tags.some((t) => !seen.has(t))) outcome.set(row.digest, 'tagged during the run');
        else if (row.referenced) outcome.set(row.digest, 'referenced by an index');
        else if (blockedBy) outcome.set(row.digest, `immutable tag ${blockedBy}`);
        else if (row.has_closure) complex.push(row.digest);
        else going.push(row);
      }
      for (const item of items) if (!rows.some((r) => r.digest === item.digest)) outcome.set(item.digest, 'gone meanwhile');
      await removeArtifacts(tx, this.quota, project[0].project_id, going);
      await this.outbox.write(
        tx,
        going.map((m): NewEvent => ({ type: EventType.DeleteArtifact, data: { repository, digest: m.digest, tags: m.tags, mediaType: m.media_type, operator } })),
      );
      for (const row of going) outcome.set(row.digest, null);
    });
    if ([...outcome.values()].some((v) => v === null)) await this.cache.invalidate(repository);
    for (const digest of complex) {
      const item = items.find((i) => i.digest === digest)!;
      outcome.set(digest, await this.deleteIfUnchanged(repository, digest, { pushedBefore, tags: item.tags }, operator));
    }
    return outcome;
  }

  /**
   * The project row FOR UPDATE (no push of the project is half-way through, so what is read
   * next is complete), then the artifact's row. Undefined when either is gone.
   */
  private async lock(tx: SqlExecutor, repository: string, reference: string): Promise<{ projectId: number; artifact: DeletedArtifact } | undefined> {
    const project = await tx.query<{ project_id: number; repository_id: number }>(
      `SELECT p.project_id, r.repository_id FROM project p JOIN repository r ON r.project_id = p.project_id WHERE r.name = $1 FOR UPDATE OF p`,
      [repository],
    );
    if (!project[0]) return undefined;
    const artifact = await tx.query<DeletedArtifact>(
      isDigest(reference)
        ? `SELECT a.id, a.digest FROM artifact a WHERE a.repository_id = $1 AND a.digest = $2 FOR UPDATE OF a`
        : `SELECT a.id, a.digest FROM artifact a JOIN tag t ON t.artifact_id = a.id WHERE t.repository_id = $1 AND t.name = $2 FOR UPDATE OF a`,
      [project[0].repository_id, reference],
    );
    return artifact[0] ? { projectId: project[0].project_id, artifact: artifact[0] } : undefined;
  }

  /** What goes: the artifact first, then its accessories and unkept children, each with its tags. */
  private async plan(tx: SqlExecutor, artifact: DeletedArtifact): Promise<Member[]> {
    const closure = await artifactClosure(tx, artifact, 'unkept');
    const rows = await tx.query<Member>(
      `SELECT a.id, a.digest, a.media_type, ARRAY(SELECT t.name FROM tag t WHERE t.artifact_id = a.id ORDER BY t.name) AS tags
         FROM artifact a WHERE a.id = ANY($1::bigint[])`,
      [[...closure.keys()]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return [...closure.keys()].flatMap((id) => byId.get(id) ?? []);
  }

  private async blocker(tx: SqlExecutor, repository: string, members: Member[]): Promise<Blocker | undefined> {
    const parents = await tx.query<{ digest: string; child: string }>(
      `SELECT p.digest, c.digest AS child FROM artifact_reference ar JOIN artifact p ON p.id = ar.parent_id JOIN artifact c ON c.id = ar.child_id
        WHERE ar.child_id = ANY($1::bigint[]) AND NOT (ar.parent_id = ANY($1::bigint[])) ORDER BY ar.id LIMIT 1`,
      [members.map((m) => m.id)],
    );
    if (parents[0]) return { kind: 'referenced', child: parents[0].child, parent: parents[0].digest };
    const [immutable] = await this.tags.immutableAmong(repository, members.flatMap((m) => m.tags));
    return immutable ? { kind: 'immutable', tag: immutable[0], rule: immutable[1] } : undefined;
  }

  private async remove(tx: SqlExecutor, projectId: number, repository: string, members: Member[], operator: string): Promise<void> {
    // index -> child links inside what goes first: a child may not go while referenced
    await tx.query(`DELETE FROM artifact_reference WHERE parent_id = ANY($1::bigint[])`, [members.map((m) => m.id)]);
    for (const member of members) await removeArtifact(tx, this.quota, projectId, member.id, member.digest);
    await this.outbox.write(
      tx,
      members.map((m): NewEvent => ({ type: EventType.DeleteArtifact, data: { repository, digest: m.digest, tags: m.tags, mediaType: m.media_type, operator } })),
    );
  }
}
