import { ARTIFACT_EVENT_TYPES, EventType, type ArtifactEventData, type RegistryEvent } from '@wharf/events';
import { auditEntries } from './audit-event-consumer';

const digest = `sha256:${'b'.repeat(64)}`;
const event = (type: (typeof ARTIFACT_EVENT_TYPES)[number], data: Partial<ArtifactEventData> = {}): RegistryEvent => ({
  id: 1,
  type,
  occurredAt: '2026-01-02T03:04:05.000Z',
  data: { repository: 'team/sub/app', digest, tags: [], operator: 'alice', clientIp: '10.0.0.9', userAgent: 'docker/27', ...data },
});
const shape = (e: RegistryEvent) => auditEntries(e).map((x) => [x.operation, x.resourceType, x.resource]);

describe('audit entries of artifact events', () => {
  it('records a push as create of the artifact, once per tag, or by digest when untagged', () => {
    expect(shape(event(EventType.PushArtifact, { tags: ['v1', 'latest'] }))).toEqual([
      ['create', 'artifact', 'team/sub/app:v1'],
      ['create', 'artifact', 'team/sub/app:latest'],
    ]);
    expect(shape(event(EventType.PushArtifact))).toEqual([['create', 'artifact', `team/sub/app@${digest}`]]);
  });

  it('records a tag added on its own as create of the tag', () => {
    expect(shape(event(EventType.PushArtifact, { tags: ['stable'], tagsOnly: true }))).toEqual([['create', 'tag', 'team/sub/app:stable']]);
  });

  it('records a pull by what was asked for, and deletes of artifacts and tags', () => {
    expect(shape(event(EventType.PullArtifact, { tags: ['v1'] }))).toEqual([['pull', 'artifact', 'team/sub/app:v1']]);
    expect(shape(event(EventType.PullArtifact))).toEqual([['pull', 'artifact', `team/sub/app@${digest}`]]);
    expect(shape(event(EventType.DeleteArtifact, { tags: ['v1'] }))).toEqual([['delete', 'artifact', `team/sub/app@${digest}`]]);
    expect(shape(event(EventType.DeleteTag, { tags: ['v1'] }))).toEqual([['delete', 'tag', 'team/sub/app:v1']]);
  });

  it('names the project, the operator and the origin the event carries', () => {
    expect(auditEntries(event(EventType.DeleteArtifact))[0]).toEqual({
      projectId: null,
      projectName: 'team',
      operation: 'delete',
      resourceType: 'artifact',
      resource: `team/sub/app@${digest}`,
      username: 'alice',
      clientIp: '10.0.0.9',
      userAgent: 'docker/27',
    });
  });

  it('makes nothing of a quota event', () => {
    expect(auditEntries({ id: 2, type: EventType.QuotaExceed, occurredAt: '2026-01-02T03:04:05.000Z', data: { repository: 'team/app', message: 'over', operator: 'bob' } })).toEqual([]);
  });
});
