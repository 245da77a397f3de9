import { EventType, type RegistryEvent } from '@wharf/events';
import { webhookPayload } from './webhook-payload';
import type { WebhookPolicy, WebhookTarget } from './webhook-policy';

const policy = { id: 7, project_id: 3 } as WebhookPolicy;
const target = (payload_format: 'CloudEvents' | 'Default'): WebhookTarget => ({ type: 'http', address: 'http://x', auth_header: '', skip_cert_verify: false, payload_format });
const digest = `sha256:${'a'.repeat(64)}`;
const push: RegistryEvent = {
  id: 42,
  type: EventType.PushArtifact,
  occurredAt: '2026-01-02T03:04:05.000Z',
  data: { repository: 'proj/team/app', digest, tags: ['v1', 'latest'], operator: 'alice' },
};

describe('webhook payloads', () => {
  it('renders a CloudEvent with one resource per tag', () => {
    const { body, contentType } = webhookPayload(push, policy, target('CloudEvents'), 'https://registry.example.com:8443');
    expect(contentType).toBe('application/cloudevents+json');
    expect(JSON.parse(body)).toEqual({
      specversion: '1.0',
      id: '42',
      requestid: '42',
      source: '/projects/3/webhook/policies/7',
      type: 'harbor.artifact.pushed',
      datacontenttype: 'application/json',
      time: '2026-01-02T03:04:05.000Z',
      operator: 'alice',
      data: {
        repository: { name: 'team/app', namespace: 'proj', repo_full_name: 'proj/team/app', repo_type: 'private' },
        resources: [
          { digest, tag: 'v1', resource_url: 'registry.example.com:8443/proj/team/app:v1' },
          { digest, tag: 'latest', resource_url: 'registry.example.com:8443/proj/team/app:latest' },
        ],
      },
    });
  });

  it("renders Harbor's default payload, addressing an untagged artifact by digest", () => {
    const event: RegistryEvent = { ...push, type: EventType.DeleteArtifact, data: { ...push.data, tags: [] } };
    const { body, contentType } = webhookPayload(event, policy, target('Default'), 'http://127.0.0.1:5000');
    expect(contentType).toBe('application/json');
    expect(JSON.parse(body)).toMatchObject({
      type: 'DELETE_ARTIFACT',
      occur_at: Date.parse('2026-01-02T03:04:05.000Z') / 1000,
      operator: 'alice',
      event_data: { resources: [{ digest, resource_url: `127.0.0.1:5000/proj/team/app@${digest}` }] },
    });
  });

  it('carries the refusal of a quota event', () => {
    const event: RegistryEvent = { id: 1, type: EventType.QuotaExceed, occurredAt: push.occurredAt, data: { repository: 'proj/app', message: 'quota exceeded: ...', operator: 'bob' } };
    const parsed = JSON.parse(webhookPayload(event, policy, target('CloudEvents'), 'http://h').body);
    expect(parsed).toMatchObject({ type: 'harbor.quota.exceed', data: { resources: [], custom_attributes: { details: 'quota exceeded: ...' } } });
  });

  it("never carries the request's origin (kept in the event for the audit log) nor the audit hint", () => {
    const event: RegistryEvent = { ...push, data: { ...push.data, clientIp: '10.1.2.3', userAgent: 'docker/27.0 secret-agent', tagsOnly: true } };
    for (const format of ['CloudEvents', 'Default'] as const) {
      const { body } = webhookPayload(event, policy, target(format), 'http://h');
      expect(body).not.toContain('10.1.2.3');
      expect(body).not.toContain('secret-agent');
      expect(body).not.toContain('tagsOnly');
      expect(body).toBe(webhookPayload(push, policy, target(format), 'http://h').body);
    }
  });
});
