import { CopyArtifactCommand, StoreManifestCommand, TagCommands } from '@wharf/artifacts';
import { DeniedError } from '@wharf/errors';
import { MemberService, ProjectRole, UserService } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { parseRepositoryName } from '@wharf/registry-core';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { callApi, errorCodeOf, type ApiAnswer } from '../support/management-api';
import { RegistryClient, sha256 } from '../support/registry-client';
import { startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import type { Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { connectDatabase, createProxyProject } from './proxy-support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A proxy-cache project holds what its upstream serves: no write path other than the proxy
 * itself puts artifacts or tags into it (copy, tag create, a tag moved by a copy), whoever asks
 * and whichever edge they come through; deleting from the cache stays allowed, as in Harbor.
 */
describe('proxy cache: read-only to everyone but the proxy', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let upstream: ScriptedUpstream;
  let admin: RegistryClient;
  let db: Client;
  let mirrorId: number;
  let upstreamDigest: string;
  const developer: Credentials = { username: 'dev', password: 'Dev-Pass-1A' };

  const artifacts = (project: string, repository: string) => `/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts`;

  /** Everything the management API could change in the proxy project. */
  const mirrorState = async () =>
    (
      await db.query(
        `SELECT (SELECT json_agg(json_build_array(t.id, t.name, t.artifact_id, t.push_time) ORDER BY t.id) FROM tag t JOIN repository r ON r.repository_id = t.repository_id WHERE r.project_id = $1) AS tags,
                (SELECT json_agg(json_build_array(a.id, a.digest, a.push_time) ORDER BY a.id) FROM artifact a WHERE a.project_id = $1) AS artifacts,
                (SELECT json_agg(r.name ORDER BY r.name) FROM repository r WHERE r.project_id = $1) AS repositories,
                (SELECT json_agg(pb.blob_id ORDER BY pb.blob_id) FROM project_blob pb WHERE pb.project_id = $1) AS blobs,
                (SELECT storage_used FROM project WHERE project_id = $1) AS used`,
        [mirrorId],
      )
    ).rows[0];

  const expectRefused = (answer: ApiAnswer) => {
    expect(answer.status).toBe(403);
    expect(errorCodeOf(answer)).toBe('FORBIDDEN');
    expect(answer.json.errors[0].message).toMatch(/mirror is a proxy cache/);
  };

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    upstream = await startScriptedUpstream();
    admin = new RegistryClient(api.url);
    db = await connectDatabase(environment);
    await createProxyProject(api, 'mirror', upstream.url);
    expect((await callApi(api.url, 'POST', '/projects', { body: { project_name: 'team' } })).status).toBe(201);
    await api.app.get(UserService).create(developer);
    const user = (await api.app.get(UserService).findByName(developer.username))!;
    for (const project of ['mirror', 'team']) {
      const { project_id } = (await api.app.get(ProjectService).get(project, true))!;
      if (project === 'mirror') mirrorId = project_id;
      await api.app.get(MemberService).add(project_id, user.user_id, ProjectRole.Developer);
    }

    // the upstream's image, cached through the proxy
    const layer = randomBytes(1024);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
      }),
    );
    upstreamDigest = upstream.setManifest('library/app', 'v1', manifest, OCI_MANIFEST);
    expect((await admin.fetch('/v2/mirror/library/app/manifests/v1', { headers: { accept: OCI_MANIFEST } })).status).toBe(200);

    // what a developer would like to plant there
    await admin.pushImage('team/app', 'evil', { layers: 1 });
    await admin.pushImage('team/app', 'v1', { layers: 1 });
  });

  afterAll(async () => {
    await db?.end();
    await upstream?.close();
    await api?.close();
    await environment?.close();
  });

  it('refuses copies into it, into a cached repository or a new one, and a copy that would move a cached tag: 403, nothing changed', async () => {
    const before = await mirrorState();
    expectRefused(await callApi(api.url, 'POST', `${artifacts('mirror', 'library/app')}?from=${encodeURIComponent('team/app:evil')}`, { auth: developer }));
    expectRefused(await callApi(api.url, 'POST', `${artifacts('mirror', 'planted/app')}?from=${encodeURIComponent('team/app:evil')}`, { auth: developer }));
    // the cached tag v1 re-pointed at other content: served to every puller whenever the upstream is down
    expectRefused(await callApi(api.url, 'POST', `${artifacts('mirror', 'library/app')}?from=${encodeURIComponent('team/app:v1')}`, { auth: developer }));
    // no role lifts it
    expectRefused(await callApi(api.url, 'POST', `${artifacts('mirror', 'library/app')}?from=${encodeURIComponent('team/app:v1')}`));
    expect(await mirrorState()).toEqual(before);
    const served = await admin.fetch('/v2/mirror/library/app/manifests/v1', { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
    expect(served.headers.get('docker-content-digest')).toBe(upstreamDigest);
  });

  it('refuses a tag created on cached content: 403, nothing changed', async () => {
    const before = await mirrorState();
    expectRefused(await callApi(api.url, 'POST', `${artifacts('mirror', 'library/app')}/v1/tags`, { auth: developer, body: { name: 'planted' } }));
    expectRefused(await callApi(api.url, 'POST', `${artifacts('mirror', 'library/app')}/${upstreamDigest}/tags`, { body: { name: 'planted' } }));
    expect(await mirrorState()).toEqual(before);
    expect((await admin.fetch('/v2/mirror/library/app/manifests/planted', { method: 'HEAD' })).status).toBe(404);
  });

  it('is refused by the commands themselves, whichever caller (replication, a job) reaches them', async () => {
    const before = await mirrorState();
    const repository = (await db.query(`SELECT repository_id FROM repository WHERE name = 'mirror/library/app'`)).rows[0].repository_id as number;
    // the same refusal whichever protocol (if any) asked: each edge answers it with its 403
    await expect(api.app.get(TagCommands).add(repository, 'mirror/library/app', 'v1', 'planted')).rejects.toBeInstanceOf(DeniedError);
    await expect(api.app.get(CopyArtifactCommand).copy({ project: 'team', repository: 'app', reference: 'evil' }, { projectId: mirrorId, repository: 'mirror/library/app' })).rejects.toBeInstanceOf(DeniedError);
    const image = (await db.query(`SELECT manifest, media_type FROM artifact WHERE repository_name = 'team/app' LIMIT 1`)).rows[0] as { manifest: Buffer; media_type: string };
    await expect(api.app.get(StoreManifestCommand).push(parseRepositoryName('mirror/library/app'), mirrorId, 'v1', image.manifest, image.media_type)).rejects.toBeInstanceOf(DeniedError);
    expect(await mirrorState()).toEqual(before);
  });

  it('still lets cached tags and artifacts be deleted', async () => {
    expect((await callApi(api.url, 'DELETE', `${artifacts('mirror', 'library/app')}/v1/tags/v1`)).status).toBe(200);
    expect((await callApi(api.url, 'DELETE', `${artifacts('mirror', 'library/app')}/${upstreamDigest}`)).status).toBe(200);
    expect((await db.query(`SELECT 1 FROM artifact WHERE project_id = $1`, [mirrorId])).rowCount).toBe(0);
  });
});
