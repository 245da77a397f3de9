import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImageLayout, rawManifestDigest, skopeo, toolAvailable } from '../support/oci-layout';
import { TEST_ADMIN, basicAuth } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const haveTools = toolAvailable('skopeo') && toolAvailable('umoci');
if (!haveTools && process.env.CI) throw new Error('skopeo and umoci are required in CI (apt-get install skopeo umoci)');

/** A real client (skopeo, docker token auth) meets an immutable tag: the push is refused, the message says why. */
(haveTools ? describe : describe.skip)('tag immutability with skopeo', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let registry: string;
  let work: string;
  const noTls = ['--src-tls-verify=false', '--dest-tls-verify=false'];
  const creds = ['--dest-creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`];

  async function manage(method: string, path: string, body: unknown): Promise<number> {
    const response = await fetch(`${api.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basicAuth(TEST_ADMIN), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.text();
    return response.status;
  }

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    registry = api.url.replace('http://', '');
    work = mkdtempSync(join(tmpdir(), 'wharf-immutable-'));
    expect(await manage('POST', '/projects', { project_name: 'locked' })).toBe(201);
    expect(
      await manage('POST', '/projects/locked/immutabletagrules', {
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'release-*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      }),
    ).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses to overwrite an immutable tag and accepts the same image again', async () => {
    buildImageLayout(join(work, 'one'), 'img', 1);
    buildImageLayout(join(work, 'two'), 'img', 1);
    const target = `docker://${registry}/locked/app:release-1`;
    await skopeo(['copy', ...noTls, ...creds, `oci:${join(work, 'one')}:img`, target]);
    const digest = await rawManifestDigest(`oci:${join(work, 'one')}:img`);
    await expect(skopeo(['copy', ...noTls, ...creds, `oci:${join(work, 'two')}:img`, target])).rejects.toThrow(/immutable/);
    expect(await rawManifestDigest(target, ['--tls-verify=false', '--creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`])).toBe(digest);
    await skopeo(['copy', ...noTls, ...creds, `oci:${join(work, 'one')}:img`, target]);
    await expect(skopeo(['delete', '--tls-verify=false', '--creds', `${TEST_ADMIN.username}:${TEST_ADMIN.password}`, target])).rejects.toThrow(/immutable|412|denied/i);
  });
});
