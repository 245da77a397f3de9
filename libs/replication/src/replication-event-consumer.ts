import { Injectable } from '@nestjs/common';
import { ArtifactQueries, ArtifactType } from '@wharf/artifacts';
import type { SqlExecutor } from '@wharf/db';
import { EventConsumer, EventType, type AfterCommit, type ArtifactEventData, type EventHandler, type RegistryEvent } from '@wharf/events';
import { applyFilters } from './replication-filters';
import { ReplicationLauncher } from './replication-launcher';
import type { ReplicationPolicy } from './replication-policy';
import { ReplicationPolicyService } from './replication-policy.service';
import { resolvedOf, type Resolved } from './replication-resolver';

const TYPES = [EventType.PushArtifact, EventType.DeleteArtifact, EventType.DeleteTag] as const;

/**
 * Event-based replication: each push (or tag added) into this Wharf becomes, per enabled
 * push-based policy with an event_based trigger whose filters take the artifact, an execution
 * (trigger EVENT) with one task copying it; with replicate_deletion, an artifact delete or a tag
 * delete becomes a `delete` task (the tag alone for a tag delete). The executions and tasks are
 * written in the batch's transaction (once per event), their jobs queued after it commits.
 * Deletes are matched by name and tag filters only: the artifact's labels and type went with it.
 */
@EventConsumer({ name: 'replication', types: TYPES })
@Injectable()
export class ReplicationEventConsumer implements EventHandler {
  constructor(
    private readonly policies: ReplicationPolicyService,
    private readonly artifacts: ArtifactQueries,
    private readonly launcher: ReplicationLauncher,
  ) {}

  async handle(tx: SqlExecutor, events: RegistryEvent[]): Promise<AfterCommit | void> {
    const policies = await this.policies.eventBased(tx);
    if (policies.length === 0) return;
    const queued: (() => Promise<void>)[] = [];
    for (const event of events) {
      if (event.type !== EventType.PushArtifact && event.type !== EventType.DeleteArtifact && event.type !== EventType.DeleteTag) continue;
      for (const policy of policies) {
        const resolved = await this.resolve(tx, policy, event.type, event.data);
        if (!resolved) continue;
        queued.push(await this.launcher.startWithItems(tx, policy, [resolved], { event_type: event.type, event_id: event.id }));
      }
    }
    return async () => {
      for (const queue of queued) await queue();
    };
  }

  private async resolve(tx: SqlExecutor, policy: ReplicationPolicy, type: EventType, data: ArtifactEventData): Promise<Resolved | null> {
    if (type === EventType.PushArtifact) {
      // as it is now (a later event may have moved it on): gone or not top-level means nothing to copy
      const candidate = await this.artifacts.replicationCandidate(tx, data.repository, data.digest);
      if (!candidate) return null;
      const isImage = candidate.type === ArtifactType.Image;
      // the tags the event concerns that the artifact still has; all of them when the event names none
      const tags = data.tags.length ? data.tags.filter((t) => candidate.tags.includes(t)) : candidate.tags;
      if (data.tags.length && tags.length === 0) return null;
      const verdict = applyFilters(policy.filters, { repository: data.repository, tags, labels: candidate.labels, isImage });
      return verdict.pass ? resolvedOf(policy, { repository: data.repository, digest: data.digest, tags: verdict.tags, isImage }, 'copy') : null;
    }
    if (!policy.replicateDeletion) return null;
    const byNameAndTag = policy.filters.filter((f) => f.type === 'name' || f.type === 'tag');
    const verdict = applyFilters(byNameAndTag, { repository: data.repository, tags: data.tags, labels: [], isImage: true });
    if (!verdict.pass) return null;
    return resolvedOf(policy, { repository: data.repository, digest: data.digest, tags: verdict.tags, isImage: true }, 'delete', type === EventType.DeleteTag);
  }
}
