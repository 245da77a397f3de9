/**
 * Registry events, defined once: what the outbox stores and webhooks deliver. The type strings
 * are Harbor's webhook event types and live in Postgres and Redis: never rename one.
 */
export enum EventType {
  PushArtifact = 'PUSH_ARTIFACT',
  PullArtifact = 'PULL_ARTIFACT',
  DeleteArtifact = 'DELETE_ARTIFACT',
  /** a tag removed on its own (the artifact stays); not in Harbor's webhook list, ours in addition */
  DeleteTag = 'DELETE_TAG',
  QuotaExceed = 'QUOTA_EXCEED',
  /** a scan of an artifact ended with a report (Harbor's webhook event type) */
  ScanningCompleted = 'SCANNING_COMPLETED',
  /** a scan of an artifact failed or was stopped (Harbor's SCANNING_FAILED; SCANNING_STOPPED is not raised) */
  ScanningFailed = 'SCANNING_FAILED',
}

export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** An artifact event: what was pushed, pulled or deleted, and by whom. */
export interface ArtifactEventData {
  /** full repository name, `project/path` */
  repository: string;
  digest: string;
  /** the tags the change concerns (pushed, pulled by, or removed with it) */
  tags: string[];
  mediaType?: string;
  /** user or robot name; empty for anonymous */
  operator: string;
  /**
   * Set when the change was to tags alone (a tag added to an artifact that was there already):
   * the audit log records it as a tag, not an artifact.
   */
  tagsOnly?: boolean;
  /**
   * Where the request came from, for the audit log (filled in from the request's EventOrigin
   * when the event is written). Never part of a webhook payload.
   */
  clientIp?: string;
  userAgent?: string;
}

export interface QuotaEventData {
  repository: string;
  digest?: string;
  message: string;
  operator: string;
}

/** A scan's end: the artifact, and the scan's outcome (Harbor's scan_overview of the webhook payload). */
export interface ScanEventData extends ArtifactEventData {
  scan: {
    report_id: string;
    scan_status: 'Success' | 'Error' | 'Stopped';
    mime_type: string;
    scanner: string;
    severity?: string;
    summary?: Record<string, unknown>;
    message?: string;
  };
}

export interface EventPayloads {
  [EventType.PushArtifact]: ArtifactEventData;
  [EventType.PullArtifact]: ArtifactEventData;
  [EventType.DeleteArtifact]: ArtifactEventData;
  [EventType.DeleteTag]: ArtifactEventData;
  [EventType.QuotaExceed]: QuotaEventData;
  [EventType.ScanningCompleted]: ScanEventData;
  [EventType.ScanningFailed]: ScanEventData;
}

/** An event about to be written. */
export type NewEvent = { [T in EventType]: { type: T; data: EventPayloads[T] } }[EventType];

/** An event as stored and read from the stream: with its outbox id (unique, so deliveries can be de-duplicated) and time. */
export type RegistryEvent = NewEvent & { id: number; occurredAt: string };

/** The artifact event types (the ones whose data is ArtifactEventData). */
export const ARTIFACT_EVENT_TYPES = [EventType.PushArtifact, EventType.PullArtifact, EventType.DeleteArtifact, EventType.DeleteTag] as const;

/** The project an event belongs to (the first segment of the repository name). */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}
