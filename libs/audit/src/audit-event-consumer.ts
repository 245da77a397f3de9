import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@wharf/db';
import { ARTIFACT_EVENT_TYPES, EventConsumer, EventType, projectOf, type ArtifactEventData, type EventHandler, type RegistryEvent } from '@wharf/events';
import { cleanAuditEntry } from './audit-entry-cleaning';
import { insertAuditEntries } from './audit-log.repository';
import type { AuditEntry } from './audit-log.types';

/**
 * The audit log of artifact changes, derived from the event stream: whoever made the change
 * (/v2, the management API, a worker job such as GC deleting untagged artifacts), its event was
 * written in the change's transaction, and this consumer turns it into entries in the
 * transaction that moves its cursor, so every change is audited exactly once and none is lost
 * between the change and its entry. The entries have the shape the api used to write itself:
 * a push is `create` of the artifact per tag (its digest when untagged), a tag added on its
 * own is `create` of the tag, a pull names the tag or digest asked for.
 */
@EventConsumer({ name: 'audit', types: ARTIFACT_EVENT_TYPES })
@Injectable()
export class AuditEventConsumer implements EventHandler {
  async handle(tx: SqlExecutor, events: RegistryEvent[]): Promise<void> {
    await insertAuditEntries(tx, events.flatMap((event) => auditEntries(event).map((entry) => cleanAuditEntry(entry, new Date(event.occurredAt)))));
  }
}

/** The audit entries an artifact event stands for (none for other events). */
export function auditEntries(event: RegistryEvent): AuditEntry[] {
  if (event.type === EventType.QuotaExceed) return [];
  const data: ArtifactEventData = event.data;
  const entry = (operation: AuditEntry['operation'], resourceType: string, resource: string): AuditEntry => ({
    projectId: null,
    projectName: projectOf(data.repository),
    operation,
    resourceType,
    resource,
    username: data.operator,
    clientIp: data.clientIp,
    userAgent: data.userAgent,
  });
  const byTag = (tag: string) => `${data.repository}:${tag}`;
  const byDigest = `${data.repository}@${data.digest}`;
  switch (event.type) {
    case EventType.PushArtifact:
      if (data.tagsOnly) return data.tags.map((tag) => entry('create', 'tag', byTag(tag)));
      return data.tags.length ? data.tags.map((tag) => entry('create', 'artifact', byTag(tag))) : [entry('create', 'artifact', byDigest)];
    case EventType.PullArtifact:
      return data.tags.length ? data.tags.map((tag) => entry('pull', 'artifact', byTag(tag))) : [entry('pull', 'artifact', byDigest)];
    case EventType.DeleteArtifact:
      return [entry('delete', 'artifact', byDigest)];
    case EventType.DeleteTag:
      return data.tags.map((tag) => entry('delete', 'tag', byTag(tag)));
    default:
      // a scan's end changes no artifact
      return [];
  }
}

