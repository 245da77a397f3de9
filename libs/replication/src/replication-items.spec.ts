import { pushRefusal, registryInfoOf } from './registry-info';
import { itemOf, resourceName, taskAttributesOf } from './replication-items';
import type { ReplicationPolicy } from './replication-policy';
import { describeOutcome } from './replication-runner';

const policy = (change: Partial<ReplicationPolicy> = {}): ReplicationPolicy => ({
  id: 1, name: 'p', description: '', srcRegistryId: null, destRegistryId: 7, destNamespace: 'mirror', destNamespaceReplaceCount: 1, trigger: { type: 'manual', trigger_settings: { cron: '' } },
  filters: [], replicateDeletion: false, override: true, enabled: true, speed: 0, copyByChunk: true, singleActiveReplication: false, creator: 'admin',
  creationTime: new Date(), updateTime: new Date(), ...change,
});

describe('replication items', () => {
  it('carries the policy\'s sides, destination path and copy settings (no speed: unlimited)', () => {
    expect(itemOf(policy(), { repository: 'library/team/app', digest: 'sha256:1', tags: ['v1'], isImage: true }, 'copy')).toEqual({
      operation: 'copy',
      source: { side: { kind: 'local' }, repository: 'library/team/app', digest: 'sha256:1', tags: ['v1'] },
      destination: { side: { kind: 'remote', registryId: 7 }, repository: 'mirror/team/app', tags: ['v1'] },
      override: true,
      copyByChunk: true,
      speedKiBps: null,
    });
    const pulled = itemOf(policy({ srcRegistryId: 3, destRegistryId: null, destNamespace: '', speed: 100 }), { repository: 'a/b', digest: 'sha256:2', tags: [], isImage: false }, 'delete', true);
    expect(pulled).toMatchObject({ source: { side: { kind: 'remote', registryId: 3 } }, destination: { side: { kind: 'local' }, repository: 'a/b' }, speedKiBps: 100, tagsOnly: true });
  });

  it('names resources as Harbor does: tags in brackets, or the digest of an untagged artifact', () => {
    expect(resourceName('library/app', 'sha256:1', ['v1', 'v2'])).toBe('library/app:[v1,v2]');
    expect(resourceName('library/app', 'sha256:1', [])).toBe('library/app@sha256:1');
    const item = itemOf(policy(), { repository: 'library/app', digest: 'sha256:1', tags: ['v1'], isImage: true }, 'delete');
    expect(taskAttributesOf(item, false, true)).toMatchObject({ operation: 'deletion', resource_type: 'artifact', src_resource: 'library/app:[v1]', dst_resource: 'mirror/app:[v1]', dry_run: true });
  });

  it('describes each outcome, a skip with its reason', () => {
    const counts = { bytesSent: 2048, blobsSent: 2, blobsSkipped: 3, blobsMounted: 1 };
    expect(describeOutcome({ action: 'copied', ...counts })).toBe('copied: 2 blob(s) sent (2048 bytes), 3 already there, 1 mounted');
    expect(describeOutcome({ action: 'skipped', reason: 'tag holds another artifact and override is off', ...counts })).toBe('skipped: tag holds another artifact and override is off');
    expect(describeOutcome({ action: 'would-delete', ...counts })).toBe('dry run: would delete');
  });
});

describe('registry info and pushes', () => {
  it('offers name, tag and resource filters and manual or scheduled triggers', () => {
    expect(registryInfoOf('harbor')).toMatchObject({ type: 'harbor', supported_triggers: ['manual', 'scheduled'], supported_copy_by_chunk: true });
    expect(registryInfoOf('quay').supported_resource_filters.map((f) => f.type)).toEqual(['name', 'tag', 'resource']);
  });

  it('refuses an anonymous push to a hosted registry, not to a plain one', () => {
    expect(pushRefusal({ type: 'docker-registry', name: 'plain', credentialType: null })).toBeNull();
    expect(pushRefusal({ type: 'github-ghcr', name: 'gh', credentialType: null })).toContain('github-ghcr takes no anonymous pushes');
    expect(pushRefusal({ type: 'github-ghcr', name: 'gh', credentialType: 'basic' })).toBeNull();
  });
});
