import { EventType, projectOf, type RegistryEvent } from '@wharf/events';
import type { WebhookPolicy, WebhookTarget } from './webhook-policy';

/** CloudEvents `type` per event, as Harbor names them. */
export const CLOUD_EVENT_TYPES: Record<EventType, string> = {
  [EventType.PushArtifact]: 'harbor.artifact.pushed',
  [EventType.PullArtifact]: 'harbor.artifact.pulled',
  [EventType.DeleteArtifact]: 'harbor.artifact.deleted',
  [EventType.DeleteTag]: 'harbor.tag.deleted',
  [EventType.QuotaExceed]: 'harbor.quota.exceed',
  [EventType.ScanningCompleted]: 'harbor.scan.completed',
  [EventType.ScanningFailed]: 'harbor.scan.failed',
};

/** The body of one delivery: a CloudEvents 1.0 JSON event, or Harbor's default payload. */
export function webhookPayload(event: RegistryEvent, policy: WebhookPolicy, target: WebhookTarget, externalUrl: string): { body: string; contentType: string } {
  const data = eventData(event, externalUrl);
  const operator = event.data.operator;
  if (target.payload_format === 'CloudEvents') {
    const cloudEvent = {
      specversion: '1.0',
      id: `${event.id}`,
      requestid: `${event.id}`,
      source: `/projects/${policy.project_id}/webhook/policies/${policy.id}`,
      type: CLOUD_EVENT_TYPES[event.type],
      datacontenttype: 'application/json',
      time: event.occurredAt,
      operator,
      data,
    };
    return { body: JSON.stringify(cloudEvent), contentType: 'application/cloudevents+json' };
  }
  return {
    body: JSON.stringify({ type: event.type, occur_at: Math.floor(Date.parse(event.occurredAt) / 1000), operator, event_data: data }),
    contentType: 'application/json',
  };
}

function eventData(event: RegistryEvent, externalUrl: string): Record<string, unknown> {
  const full = event.data.repository;
  const namespace = projectOf(full);
  const repository = { name: full.slice(namespace.length + 1), namespace, repo_full_name: full, repo_type: 'private' };
  const host = new URL(externalUrl).host;
  if (event.type === EventType.QuotaExceed) {
    return { repository, resources: event.data.digest ? [{ digest: event.data.digest }] : [], custom_attributes: { details: event.data.message } };
  }
  const tags = event.data.tags.length ? event.data.tags : [undefined];
  const resources = tags.map((tag) => ({
    digest: event.data.digest,
    ...(tag ? { tag } : {}),
    resource_url: `${host}/${full}${tag ? `:${tag}` : `@${event.data.digest}`}`,
  }));
  if (event.type === EventType.ScanningCompleted || event.type === EventType.ScanningFailed) {
    const { scan } = event.data;
    const overview = { [scan.mime_type]: { report_id: scan.report_id, scan_status: scan.scan_status, severity: scan.severity, summary: scan.summary, scanner: scan.scanner } };
    return { repository, resources: resources.map((r) => ({ ...r, scan_overview: overview })) };
  }
  return { repository, resources };
}
