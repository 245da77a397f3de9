import { MemberService, ProjectRole, UserService } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ArtifactType1764700000000 } from '../../libs/db/src/migrations/1764700000000-artifact-type';
import { auditEntries } from '../support/audit-entries';
import { RegistryClient, sha256, type Descriptor } from '../support/registry-client';
import { tarGzOf } from '../support/tar-writer';
import { basicAuth, type Credentials } from '../support/test-credentials';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createTestEnvironment, s3Available, startApi, type RunningApi, type StorageKind, type TestEnvironment } from '../support/wharf-app';
import { streamConsumed } from '../support/event-stream';
import { startWorker } from '../support/worker-context';
import type { INestApplicationContext } from '@nestjs/common';
import { callApi, type ApiAnswer as Answer, type ApiCallOptions } from '../support/management-api';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const COSIGN = 'application/vnd.dev.cosign.artifact.sig.v1+json';

const kinds: StorageKind[] = s3Available() ? ['filesystem', 's3'] : ['filesystem'];
if (!s3Available()) console.warn('S3 artifact API tests SKIPPED: no test RadosGW');


/**
 * Harbor's repositories and artifacts API over real pushes: a multi-arch index, a Helm chart, a
 * ModelPack model, cosign signatures and SBOMs as accessories, tags, copies across projects
 * (quota charged, no bytes moved), Harbor's q filters, deletes that give quota back, and who may
 * do what.
 */
describe.each(kinds)('management API: repositories and artifacts (%s storage)', (kind) => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let db: Client;
  let registry: RegistryClient;
  /** reads the event stream: artifact and tag changes reach the audit log from their events */
  let worker: INestApplicationContext;
  const users: Record<string, Credentials> = {};

  const call = (method: string, path: string, options: ApiCallOptions = {}): Promise<Answer> => callApi(api.url, method, path, options);

  /** [operation, resource] of the audit entries of one resource type whose resource starts with `prefix`, oldest first, once the stream is read. */
  async function auditLog(resourceType: string, prefix: string, operation?: string): Promise<[string, string][]> {
    await streamConsumed(api.app, ['audit']);
    const { rows } = await db.query<{ operation: string; resource: string }>(
      `SELECT operation, resource FROM audit_log WHERE resource_type = $1 AND starts_with(resource, $2) AND ($3::text IS NULL OR operation = $3) ORDER BY id`,
      [resourceType, prefix, operation ?? null],
    );
    return rows.map((row) => [row.operation, row.resource]);
  }

  const message = (answer: Answer): string => answer.json?.errors?.[0]?.message ?? '';
  /** Harbor's double encoding of the repository name inside its project */
  const repo = (name: string) => encodeURIComponent(encodeURIComponent(name));
  const artifacts = (project: string, repository: string) => `/projects/${project}/repositories/${repo(repository)}/artifacts`;

  async function pushBlob(repository: string, data: Buffer, mediaType: string, extra: Record<string, unknown> = {}): Promise<Descriptor> {
    return { ...(await registry.pushBlob(repository, data)), mediaType, ...extra };
  }

  async function pushManifest(repository: string, reference: string, manifest: object, mediaType = OCI_MANIFEST): Promise<string> {
    const body = Buffer.from(JSON.stringify(manifest));
    const response = await registry.pushManifest(repository, reference, body, mediaType);
    expect(response.status).toBe(201);
    return sha256(body);
  }

  async function pushPlatformImage(repository: string, architecture: string): Promise<{ digest: string; size: number }> {
    const config = await pushBlob(repository, Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, history: [{ created_by: `build ${architecture}` }] })), 'application/vnd.oci.image.config.v1+json');
    const layer = await pushBlob(repository, randomBytes(700), 'application/vnd.oci.image.layer.v1.tar+gzip');
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }));
    expect((await registry.pushManifest(repository, sha256(manifest), manifest, OCI_MANIFEST)).status).toBe(201);
    return { digest: sha256(manifest), size: manifest.length };
  }

  async function pushIndex(repository: string, tag: string): Promise<{ index: string; children: string[] }> {
    const amd = await pushPlatformImage(repository, 'amd64');
    const arm = await pushPlatformImage(repository, 'arm64');
    const index = await pushManifest(
      repository,
      tag,
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: OCI_MANIFEST, digest: arm.digest, size: arm.size, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' }, annotations: { note: 'arm' } },
        ],
      },
      OCI_INDEX,
    );
    return { index, children: [amd.digest, arm.digest] };
  }

  async function pushChart(repository: string, tag: string): Promise<string> {
    const chart = tarGzOf({
      'nginx/Chart.yaml': 'apiVersion: v2\nname: nginx\nversion: 1.2.3\ndependencies:\n  - name: common\n    version: 2.x\n    repository: https://charts.example.com\n',
      'nginx/values.yaml': 'replicaCount: 2\n',
      'nginx/README.md': '# nginx chart\n',
    });
    const config = await pushBlob(repository, Buffer.from(JSON.stringify({ name: 'nginx', version: '1.2.3', apiVersion: 'v2' })), 'application/vnd.cncf.helm.config.v1+json');
    const layer = await pushBlob(repository, chart, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    return pushManifest(repository, tag, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
  }

  async function pushModel(repository: string, tag: string): Promise<string> {
    const config = await pushBlob(
      repository,
      Buffer.from(JSON.stringify({ descriptor: { name: 'tiny', version: '1' }, config: { format: 'safetensors' }, modelfs: { type: 'layers', diffIds: [] } })),
      'application/vnd.cncf.model.config.v1+json',
    );
    const readme = await pushBlob(repository, Buffer.from('# tiny model\n'), 'application/vnd.cncf.model.doc.v1.raw', { annotations: { 'org.cncf.model.filepath': 'README.md' } });
    // a doc layer may be a tarball too
    const license = await pushBlob(repository, tarGzOf({ LICENSE: 'Apache-2.0\n' }), 'application/vnd.cncf.model.doc.v1.tar+gzip', { annotations: { 'org.cncf.model.filepath': 'LICENSE' } });
    const weights = await pushBlob(repository, randomBytes(2048), 'application/vnd.cncf.model.weight.v1.raw', { annotations: { 'org.cncf.model.filepath': 'model.safetensors' } });
    return pushManifest(repository, tag, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.cncf.model.manifest.v1+json',
      config,
      layers: [readme, license, weights],
    });
  }

  /** A cosign-style signature (or any accessory) whose subject is `subject`. */
  async function pushAccessory(repository: string, subject: { digest: string; size: number }, artifactType: string, tag?: string): Promise<string> {
    const config = await pushBlob(repository, Buffer.from('{}'), EMPTY);
    const payload = await pushBlob(repository, randomBytes(300), 'application/octet-stream');
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config, layers: [payload], subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size } };
    const body = Buffer.from(JSON.stringify(manifest));
    expect((await registry.pushManifest(repository, tag ?? sha256(body), body, OCI_MANIFEST)).status).toBe(201);
    return sha256(body);
  }

  async function used(project: string): Promise<number> {
    return Number((await db.query(`SELECT storage_used FROM project WHERE name = $1`, [project])).rows[0].storage_used);
  }

  /** What project_blob says the project holds: usage must always equal it. */
  async function linked(project: string): Promise<number> {
    const rows = await db.query(`SELECT COALESCE(sum(b.size), 0) AS n FROM project_blob pb JOIN blob b ON b.id = pb.blob_id JOIN project p ON p.project_id = pb.project_id WHERE p.name = $1`, [project]);
    return Number(rows.rows[0].n);
  }

  /** Objects in storage (blobs, staging): copies and deletes must not add or remove any. */
  async function storedFiles(dir = environment.env.STORAGE_FS_ROOT): Promise<number> {
    if (kind === 's3') {
      const s3 = new S3Client({
        endpoint: environment.env.S3_ENDPOINT,
        region: environment.env.S3_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: environment.env.S3_ACCESS_KEY_ID, secretAccessKey: environment.env.S3_SECRET_ACCESS_KEY },
      });
      let count = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: environment.env.S3_BUCKET, ContinuationToken: token }));
        count += page.KeyCount ?? 0;
        token = page.NextContinuationToken;
      } while (token);
      s3.destroy();
      return count;
    }
    if (!existsSync(dir)) return 0;
    let count = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) count += entry.isDirectory() ? await storedFiles(join(dir, entry.name)) : 1;
    return count;
  }

  beforeAll(async () => {
    environment = await createTestEnvironment(kind);
    api = await startApi(environment);
    registry = new RegistryClient(api.url);
    db = new Client({ connectionString: environment.env.DATABASE_URL });
    await db.connect();
    worker = await startWorker(environment);
    for (const name of ['guest', 'dev', 'maint', 'outsider']) {
      const password = `Pass-${name}-1A`;
      await api.app.get(UserService).create({ username: name, password });
      users[name] = { username: name, password };
    }
    for (const project of ['arts', 'dest', 'secret']) expect((await call('POST', '/projects', { body: { project_name: project } })).status).toBe(201);
    const projects = api.app.get(ProjectService);
    const members = api.app.get(MemberService);
    const userIds = api.app.get(UserService);
    for (const [project, name, role] of [
      ['arts', 'guest', ProjectRole.Guest],
      ['arts', 'dev', ProjectRole.Developer],
      ['arts', 'maint', ProjectRole.Maintainer],
      ['dest', 'dev', ProjectRole.Developer],
      ['dest', 'guest', ProjectRole.Developer],
    ] as const) {
      const p = (await projects.get(project, true))!;
      const u = (await userIds.findByName(name))!;
      await members.add(p.project_id, u.user_id, role);
    }
  });

  afterAll(async () => {
    await worker?.close();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  describe('reading what was pushed', () => {
    let index: { index: string; children: string[] };
    let chart: string;
    let model: string;

    beforeAll(async () => {
      index = await pushIndex('arts/multi', 'latest');
      chart = await pushChart('arts/charts/nginx', '1.2.3');
      model = await pushModel('arts/models/tiny', 'v1');
    });

    it('shows a multi-arch index as an IMAGE whose references list its children with their platforms', async () => {
      const answer = await call('GET', `${artifacts('arts', 'multi')}/latest`);
      expect(answer.status).toBe(200);
      const a = answer.json;
      expect(a).toMatchObject({ type: 'IMAGE', media_type: OCI_INDEX, manifest_media_type: OCI_INDEX, digest: index.index, labels: [], extra_attrs: expect.any(Object) });
      expect(a.tags).toEqual([expect.objectContaining({ name: 'latest', artifact_id: a.id, repository_id: a.repository_id, immutable: false, signed: false })]);
      expect(a.references).toEqual([
        expect.objectContaining({ parent_id: a.id, child_digest: index.children[0], platform: { architecture: 'amd64', os: 'linux' }, annotations: {}, urls: [] }),
        expect.objectContaining({ parent_id: a.id, child_digest: index.children[1], platform: { architecture: 'arm64', os: 'linux', variant: 'v8' }, annotations: { note: 'arm' } }),
      ]);
      // the children are artifacts of the repository too, images without references
      const child = await call('GET', `${artifacts('arts', 'multi')}/${index.children[1]}`);
      expect(child.json).toMatchObject({ id: a.references[1].child_id, type: 'IMAGE', media_type: 'application/vnd.oci.image.config.v1+json', manifest_media_type: OCI_MANIFEST, references: [], tags: [] });
    });

    it('recognises a Helm chart and a ModelPack model (nested repository names double-encoded)', async () => {
      const c = await call('GET', `${artifacts('arts', 'charts/nginx')}/1.2.3`);
      expect(c.status).toBe(200);
      expect(c.json).toMatchObject({ type: 'CHART', digest: chart, media_type: 'application/vnd.cncf.helm.config.v1+json', repository_name: 'arts/charts/nginx' });
      const m = await call('GET', `${artifacts('arts', 'models/tiny')}/${model}`);
      expect(m.json).toMatchObject({ type: 'MODEL', digest: model, artifact_type: 'application/vnd.cncf.model.manifest.v1+json' });
      expect(m.json.tags.map((t: any) => t.name)).toEqual(['v1']);
      // a single-encoded slash reaches the same repository
      expect((await call('GET', `/projects/arts/repositories/models%2Ftiny/artifacts/v1`)).status).toBe(200);
    });

    it('lists repositories with counts, paging headers, the name filter and sorting', async () => {
      const all = await call('GET', '/projects/arts/repositories?page_size=100&sort=name');
      expect(all.status).toBe(200);
      expect(all.headers.get('x-total-count')).toBe('3');
      expect(all.json.map((r: any) => r.name)).toEqual(['arts/charts/nginx', 'arts/models/tiny', 'arts/multi']);
      expect(all.json[2]).toMatchObject({ artifact_count: 3, pull_count: 0, description: '', project_id: expect.any(Number), id: expect.any(Number) });
      const page = await call('GET', '/projects/arts/repositories?page=1&page_size=2&sort=-name');
      expect(page.json.map((r: any) => r.name)).toEqual(['arts/multi', 'arts/models/tiny']);
      expect(page.headers.get('link')).toMatch(/rel="next"/);
      const fuzzy = await call('GET', `/projects/arts/repositories?q=${encodeURIComponent('name=~charts')}`);
      expect(fuzzy.json.map((r: any) => r.name)).toEqual(['arts/charts/nginx']);
      const exact = await call('GET', `/projects/arts/repositories?q=${encodeURIComponent('name=multi')}`);
      expect(exact.json.map((r: any) => r.name)).toEqual(['arts/multi']);
      expect((await call('GET', `/projects/arts/repositories?q=${encodeURIComponent('colour=red')}`)).status).toBe(400);
      expect((await call('GET', '/projects/arts/repositories?sort=size')).status).toBe(400);

      const one = await call('GET', `/projects/arts/repositories/${repo('charts/nginx')}`);
      expect(one.json).toMatchObject({ name: 'arts/charts/nginx', artifact_count: 1 });
      expect((await call('PUT', `/projects/arts/repositories/${repo('charts/nginx')}`, { body: { description: 'the web server' } })).status).toBe(200);
      expect((await call('GET', `/projects/arts/repositories/${repo('charts/nginx')}`)).json.description).toBe('the web server');
      expect((await call('GET', `/projects/arts/repositories/${repo('nothing/here')}`)).status).toBe(404);
    });

    it('filters artifacts with q and refuses unknown keys and malformed ranges naming the key', async () => {
      const list = (q: string) => call('GET', `${artifacts('arts', 'multi')}?q=${encodeURIComponent(q)}&page_size=50`);
      const tagged = await registry.pushImage('arts/multi', 'v2');
      const loose = await pushPlatformImage('arts/multi', 'riscv64');
      // as Harbor: the index's untagged children are not listed on their own
      const all = await call('GET', `${artifacts('arts', 'multi')}?page_size=50`);
      expect(all.headers.get('x-total-count')).toBe('3');
      expect(all.json.map((a: any) => a.digest).sort()).toEqual([index.index, tagged.digest, loose.digest].sort());
      expect((await list('tags=latest')).json.map((a: any) => a.digest)).toEqual([index.index]);
      expect((await list('tags=~lat')).json.map((a: any) => a.digest)).toEqual([index.index]);
      expect((await list('tags=nil')).json.map((a: any) => a.digest)).toEqual([loose.digest]);
      expect((await list('tags=*')).json.map((a: any) => a.digest).sort()).toEqual([index.index, tagged.digest].sort());
      expect((await list(`digest=${loose.digest}`)).json.map((a: any) => a.digest)).toEqual([loose.digest]);
      expect((await list(`digest=${index.children[0]}`)).json).toEqual([]);
      expect((await list(`media_type=${OCI_INDEX}`)).json).toHaveLength(1);
      expect((await list('media_type=application/vnd.oci.image.config.v1+json')).json).toHaveLength(2);
      expect((await list('type=image')).json).toHaveLength(3);
      expect((await list('type=CHART')).json).toHaveLength(0);
      const hourAgo = new Date(Date.now() - 3600_000).toISOString();
      const inAnHour = new Date(Date.now() + 3600_000).toISOString();
      expect((await list(`push_time=[${hourAgo}~${inAnHour}]`)).json).toHaveLength(3);
      expect((await list(`push_time=[${inAnHour}~]`)).json).toHaveLength(0);
      expect((await list(`pull_time=[${hourAgo}~]`)).json).toHaveLength(0);
      const page = await call('GET', `${artifacts('arts', 'multi')}?page=2&page_size=2`);
      expect(page.json).toHaveLength(1);
      expect(page.headers.get('link')).toMatch(/rel="prev"/);
      const noTags = await call('GET', `${artifacts('arts', 'multi')}/latest?with_tag=false&with_label=true`);
      expect(noTags.json.tags).toBeUndefined();
      expect(noTags.json.labels).toEqual([]);

      for (const [q, key] of [['colour=red', 'colour'], ['push_time=[yesterday~]', 'push_time'], ['pull_time=2024-01-01', 'pull_time'], ['tags=[a~b]', 'tags']]) {
        const answer = await list(q);
        expect(answer.status).toBe(400);
        expect(message(answer)).toContain(key);
      }
      expect((await call('GET', `${artifacts('arts', 'multi')}?with_tag=maybe`)).status).toBe(400);
    });

    it('serves additions: image build history, chart README/values/dependencies, model README/LICENSE/files', async () => {
      const addition = async (repository: string, reference: string, name: string) => {
        const response = await fetch(`${api.url}/api/v2.0${artifacts('arts', repository)}/${reference}/additions/${name}`, { headers: { authorization: basicAuth(users.guest) } });
        return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
      };
      const history = await addition('multi', index.children[0], 'build_history');
      expect(history.status).toBe(200);
      expect(history.type).toMatch(/^application\/json/);
      expect(JSON.parse(history.text)).toEqual([{ created_by: 'build amd64' }]);
      expect((await call('GET', `${artifacts('arts', 'multi')}/${index.children[1]}`)).json.extra_attrs).toMatchObject({ architecture: 'arm64', os: 'linux' });
      expect((await addition('multi', 'latest', 'build_history')).status).toBe(404);

      const readme = await addition('charts/nginx', '1.2.3', 'readme.md');
      expect(readme).toMatchObject({ status: 200, text: '# nginx chart\n' });
      expect(readme.type).toMatch(/^text\/markdown/);
      expect(await addition('charts/nginx', '1.2.3', 'values.yaml')).toMatchObject({ status: 200, text: 'replicaCount: 2\n' });
      const dependencies = await addition('charts/nginx', chart, 'dependencies');
      expect(JSON.parse(dependencies.text)).toEqual([{ name: 'common', version: '2.x', repository: 'https://charts.example.com' }]);
      expect((await call('GET', `${artifacts('arts', 'charts/nginx')}/1.2.3`)).json.extra_attrs).toMatchObject({ name: 'nginx', version: '1.2.3' });

      expect(await addition('models/tiny', 'v1', 'readme')).toMatchObject({ status: 200, text: '# tiny model\n' });
      expect(await addition('models/tiny', 'v1', 'license')).toMatchObject({ status: 200, text: 'Apache-2.0\n' });
      const files = JSON.parse((await addition('models/tiny', model, 'files')).text);
      expect(files.map((f: any) => [f.name, f.media_type])).toEqual([
        ['README.md', 'application/vnd.cncf.model.doc.v1.raw'],
        ['LICENSE', 'application/vnd.cncf.model.doc.v1.tar+gzip'],
        ['model.safetensors', 'application/vnd.cncf.model.weight.v1.raw'],
      ]);
      expect((await addition('models/tiny', 'v1', 'build_history')).status).toBe(404);
      expect((await addition('models/tiny', 'v1', 'nothing')).status).toBe(404);
    });

    it('takes a chart whose tarball is not gzip and a model whose config is not JSON; their additions answer 404 with the reason', async () => {
      const config = await pushBlob('arts/broken', Buffer.from(JSON.stringify({ name: 'broken', version: '0.1.0' })), 'application/vnd.cncf.helm.config.v1+json');
      const layer = await pushBlob('arts/broken', Buffer.from('this is not a gzipped tarball'), 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
      await pushManifest('arts/broken', 'chart', { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
      const badConfig = await pushBlob('arts/broken', Buffer.from('name = "not json"'), 'application/vnd.cncf.model.config.v1+json');
      const doc = await pushBlob('arts/broken', Buffer.from('# readme'), 'application/vnd.cncf.model.doc.v1.raw', { annotations: { 'org.cncf.model.filepath': 'README.md' } });
      await pushManifest('arts/broken', 'model', { schemaVersion: 2, mediaType: OCI_MANIFEST, config: badConfig, layers: [doc] });

      const chartReadme = await call('GET', `${artifacts('arts', 'broken')}/chart/additions/readme.md`);
      expect(chartReadme.status).toBe(404);
      expect(message(chartReadme)).toMatch(/gzip/);
      const modelReadme = await call('GET', `${artifacts('arts', 'broken')}/model/additions/readme`);
      expect(modelReadme.status).toBe(404);
      expect(message(modelReadme)).toMatch(/JSON/);
      const model = await call('GET', `${artifacts('arts', 'broken')}/model`);
      expect(model.json).toMatchObject({ type: 'MODEL', extra_attrs: {} });
      expect((await registry.fetch('/v2/arts/broken/manifests/chart', { method: 'HEAD' })).status).toBe(200);
    });

    it('back-fills the type of existing artifacts in the migration as push detection does', async () => {
      const before = (await db.query(`SELECT id, type FROM artifact ORDER BY id`)).rows;
      expect(before.map((r) => r.type)).toEqual(expect.arrayContaining(['IMAGE', 'CHART', 'MODEL']));
      const runner = { query: (sql: string) => db.query(sql) } as never;
      const migration = new ArtifactType1764700000000();
      await migration.down(runner);
      await migration.up(runner);
      expect((await db.query(`SELECT id, type FROM artifact ORDER BY id`)).rows).toEqual(before);
    });
  });

  describe('accessories', () => {
    it('lists signatures and SBOMs on their subject, marks its tags signed, and deletes them with it', async () => {
      const image = await registry.pushImage('arts/signed', 'v1');
      const subject = { digest: image.digest, size: image.manifest.length };
      expect((await call('GET', `${artifacts('arts', 'signed')}/v1`)).json.tags[0].signed).toBe(false);
      const signature = await pushAccessory('arts/signed', subject, COSIGN, `sha256-${image.digest.slice(7)}.sig`);
      const sbom = await pushAccessory('arts/signed', subject, 'application/spdx+json');
      const other = await pushAccessory('arts/signed', subject, 'application/vnd.example.note');

      const answer = await call('GET', `${artifacts('arts', 'signed')}/v1?with_accessory=true`);
      expect(answer.status).toBe(200);
      expect(answer.json.tags[0].signed).toBe(true);
      const accessories = answer.json.accessories;
      expect(accessories.map((x: any) => [x.digest, x.type])).toEqual([
        [signature, 'signature.cosign'],
        [sbom, 'sbom'],
        [other, 'subject'],
      ]);
      expect(accessories[0]).toMatchObject({ artifact_id: expect.any(Number), subject_artifact_id: answer.json.id, subject_artifact_digest: image.digest, size: expect.any(Number), icon: '' });
      expect(accessories[0].id).toBe(accessories[0].artifact_id);
      expect((await call('GET', `${artifacts('arts', 'signed')}/v1`)).json.accessories).toBeUndefined();
      // on listings too
      const listed = await call('GET', `${artifacts('arts', 'signed')}?with_accessory=true&q=${encodeURIComponent('tags=v1')}`);
      expect(listed.json[0].accessories).toHaveLength(3);

      // a notation signature alone also signs
      const second = await registry.pushImage('arts/signed', 'v2');
      await pushAccessory('arts/signed', { digest: second.digest, size: second.manifest.length }, 'application/vnd.cncf.notary.signature');
      const v2 = await call('GET', `${artifacts('arts', 'signed')}/v2?with_accessory=true`);
      expect(v2.json.accessories.map((x: any) => x.type)).toEqual(['signature.notation']);
      expect(v2.json.tags[0].signed).toBe(true);

      // older cosign clients: no subject field, only a tag named after the subject's digest
      const third = await registry.pushImage('arts/signed', 'v3');
      const hex = third.digest.slice(7);
      const oldSignature = await registry.pushImage('arts/signed', `sha256-${hex}.sig`);
      const oldAttestation = await registry.pushImage('arts/signed', `sha256-${hex}.att`);
      const v3 = await call('GET', `${artifacts('arts', 'signed')}/v3?with_accessory=true`);
      expect(v3.json.accessories.map((x: any) => [x.digest, x.type])).toEqual([
        [oldSignature.digest, 'signature.cosign'],
        [oldAttestation.digest, 'attestation'],
      ]);
      expect(v3.json.tags[0].signed).toBe(true);
      expect((await call('DELETE', `${artifacts('arts', 'signed')}/${third.digest}`)).status).toBe(200);
      for (const reference of [`sha256-${hex}.sig`, `sha256-${hex}.att`]) expect((await registry.fetch(`/v2/arts/signed/manifests/${reference}`, { method: 'HEAD' })).status).toBe(404);

      // deleting the subject (by tag) takes its accessories with it
      expect((await call('DELETE', `${artifacts('arts', 'signed')}/v1`)).status).toBe(200);
      for (const digest of [image.digest, signature, sbom, other]) {
        expect((await call('GET', `${artifacts('arts', 'signed')}/${digest}`)).status).toBe(404);
        expect((await registry.fetch(`/v2/arts/signed/manifests/${digest}`, { method: 'HEAD' })).status).toBe(404);
      }
      expect((await call('GET', `${artifacts('arts', 'signed')}`)).headers.get('x-total-count')).toBe('2');
      expect(await used('arts')).toBe(await linked('arts'));
    });
  });

  describe('tags', () => {
    it('adds, lists and removes tags; a tag the repository has already is a 409', async () => {
      const image = await registry.pushImage('arts/tagged', 'v1');
      const base = `${artifacts('arts', 'tagged')}/${image.digest}/tags`;
      const created = await call('POST', base, { body: { name: 'stable' } });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`/api/v2.0${base}/stable`);
      expect((await registry.fetch('/v2/arts/tagged/manifests/stable', { method: 'HEAD' })).headers.get('docker-content-digest')).toBe(image.digest);
      const conflict = await call('POST', base, { body: { name: 'v1' } });
      expect(conflict.status).toBe(409);
      expect((await call('POST', base, { body: { name: '-bad tag' } })).status).toBe(400);
      const listed = await call('GET', `${base}?page_size=1`);
      expect(listed.headers.get('x-total-count')).toBe('2');
      expect(listed.json).toHaveLength(1);
      expect(listed.json[0]).toMatchObject({ artifact_id: expect.any(Number), immutable: false, signed: false });
      expect((await call('DELETE', `${base}/v1`)).status).toBe(200);
      expect((await call('DELETE', `${base}/v1`)).status).toBe(404);
      expect((await registry.fetch('/v2/arts/tagged/manifests/v1', { method: 'HEAD' })).status).toBe(404);
      expect((await call('GET', `${artifacts('arts', 'tagged')}/stable/tags`)).json.map((t: any) => t.name)).toEqual(['stable']);
      expect(await auditLog('tag', 'arts/tagged:')).toEqual([
        ['create', 'arts/tagged:stable'],
        ['delete', 'arts/tagged:v1'],
      ]);
    });
  });

  describe('deletes', () => {
    it('refuses to delete an index child while the index names it; deleting the index takes its untagged children, giving the quota back', async () => {
      const before = await used('arts');
      const { index, children } = await pushIndex('arts/deletes', 'multi');
      expect(await used('arts')).toBeGreaterThan(before);
      const refused = await call('DELETE', `${artifacts('arts', 'deletes')}/${children[0]}`);
      expect(refused.status).toBe(412);
      expect(message(refused)).toContain(`referenced by index ${index}`);
      // a tag keeps a child when its index goes (Harbor's deep delete)
      expect((await call('POST', `${artifacts('arts', 'deletes')}/${children[1]}/tags`, { body: { name: 'arm-only' } })).status).toBe(201);
      expect((await call('DELETE', `${artifacts('arts', 'deletes')}/${index}`)).status).toBe(200);
      expect((await call('GET', `${artifacts('arts', 'deletes')}/${children[0]}`)).status).toBe(404);
      expect((await registry.fetch(`/v2/arts/deletes/manifests/${children[0]}`, { method: 'HEAD' })).status).toBe(404);
      expect((await call('GET', `${artifacts('arts', 'deletes')}/arm-only`)).json.digest).toBe(children[1]);
      expect(await used('arts')).toBe(await linked('arts'));
      expect((await call('DELETE', `${artifacts('arts', 'deletes')}/arm-only`)).status).toBe(200);
      expect(await used('arts')).toBe(before);
      expect(await linked('arts')).toBe(before);
      expect((await call('DELETE', `${artifacts('arts', 'deletes')}/${index}`)).status).toBe(404);
      const entries = await auditLog('artifact', 'arts/deletes@', 'delete');
      expect(entries.map(([, resource]) => resource)).toEqual(expect.arrayContaining([`arts/deletes@${index}`, `arts/deletes@${children[1]}`]));
    });

    it('deletes a repository with all its artifacts (an index included), giving the quota back and leaving the bytes for GC', async () => {
      const before = await used('arts');
      const files = await storedFiles();
      await pushIndex('arts/doomed/app', 'latest');
      const image = await registry.pushImage('arts/doomed/app', 'solo');
      await pushAccessory('arts/doomed/app', { digest: image.digest, size: image.manifest.length }, COSIGN);
      const filesAfterPush = await storedFiles();
      expect(filesAfterPush).toBeGreaterThan(files);
      expect((await call('DELETE', `/projects/arts/repositories/${repo('doomed/app')}`, { auth: users.guest })).status).toBe(403);
      expect((await call('DELETE', `/projects/arts/repositories/${repo('doomed/app')}`, { auth: users.maint })).status).toBe(200);
      expect((await call('GET', `/projects/arts/repositories/${repo('doomed/app')}`)).status).toBe(404);
      expect((await registry.fetch('/v2/arts/doomed/app/manifests/latest', { method: 'HEAD' })).status).toBe(404);
      expect((await db.query(`SELECT count(*)::int AS n FROM artifact WHERE repository_name = 'arts/doomed/app'`)).rows[0].n).toBe(0);
      expect(await used('arts')).toBe(before);
      expect(await linked('arts')).toBe(before);
      expect(await storedFiles()).toBe(filesAfterPush);
      // written in the delete's own transaction: there as soon as the answer is
      expect((await auditEntries(api.app)).some((e) => e.resourceType === 'repository' && e.operation === 'delete' && e.resource === 'arts/doomed/app')).toBe(true);
    });
  });

  describe('copies', () => {
    it('copies an image by tag and an index by digest into another project: quota charged there, no bytes moved', async () => {
      const image = await registry.pushImage('arts/source', 'v1', { layers: 2, layerSize: 5000 });
      const { index, children } = await pushIndex('arts/source', 'multi');
      const sbom = await pushAccessory('arts/source', { digest: index, size: 0 }, 'application/spdx+json');
      const oldSignature = await registry.pushImage('arts/source', `sha256-${index.slice(7)}.sig`);
      const sourceUsed = await used('arts');
      const files = await storedFiles();
      expect(await used('dest')).toBe(0);

      const byTag = await call('POST', `${artifacts('dest', 'copied/app')}?from=${encodeURIComponent('arts/source:v1')}`, { auth: users.dev });
      expect(byTag.status).toBe(201);
      expect(byTag.headers.get('location')).toBe(`/api/v2.0${artifacts('dest', 'copied/app')}/${image.digest}`);
      const copied = await call('GET', `${artifacts('dest', 'copied/app')}/v1`);
      expect(copied.json).toMatchObject({ digest: image.digest, type: 'IMAGE', repository_name: 'dest/copied/app' });
      const configSize = Number((await db.query(`SELECT size FROM blob WHERE digest = $1`, [JSON.parse(image.manifest.toString()).config.digest])).rows[0].size);
      const imageBytes = image.manifest.length + 2 * 5000 + configSize;
      expect(await used('dest')).toBe(imageBytes);
      expect(await linked('dest')).toBe(imageBytes);

      const byDigest = await call('POST', `${artifacts('dest', 'copied/app')}?from=${encodeURIComponent(`arts/source@${index}`)}`, { auth: users.dev });
      expect(byDigest.status).toBe(201);
      const copiedIndex = await call('GET', `${artifacts('dest', 'copied/app')}/${index}`);
      expect(copiedIndex.json.references.map((r: any) => r.child_digest)).toEqual(children);
      expect(copiedIndex.json.tags).toEqual([]);
      // its accessories came along, the tag-linked signature with its tag
      const withAccessories = await call('GET', `${artifacts('dest', 'copied/app')}/${index}?with_accessory=true`);
      expect(withAccessories.json.accessories.map((x: any) => [x.digest, x.type]).sort()).toEqual([[sbom, 'sbom'], [oldSignature.digest, 'signature.cosign']].sort());
      expect((await registry.fetch(`/v2/dest/copied/app/manifests/sha256-${index.slice(7)}.sig`, { method: 'HEAD' })).headers.get('docker-content-digest')).toBe(oldSignature.digest);
      expect(await used('dest')).toBe(await linked('dest'));
      expect(await used('dest')).toBeGreaterThan(imageBytes);
      // the source project pays nothing more, storage holds no new file
      expect(await used('arts')).toBe(sourceUsed);
      expect(await storedFiles()).toBe(files);

      // and the copy pulls through /v2, bytes included
      const manifest = await registry.fetch('/v2/dest/copied/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
      expect(manifest.status).toBe(200);
      expect(Buffer.from(await manifest.arrayBuffer()).equals(image.manifest)).toBe(true);
      const layer = await registry.fetch(`/v2/dest/copied/app/blobs/${image.layers[0].digest}`);
      expect(layer.status).toBe(200);
      expect((await layer.arrayBuffer()).byteLength).toBe(5000);
      expect((await registry.fetch(`/v2/dest/copied/app/manifests/${children[1]}`, { method: 'HEAD' })).status).toBe(200);

      // deleting the source leaves the copy whole
      expect((await call('DELETE', `${artifacts('arts', 'source')}/v1`)).status).toBe(200);
      expect((await registry.fetch(`/v2/dest/copied/app/blobs/${image.layers[1].digest}`, { method: 'HEAD' })).status).toBe(200);
      // audited as its push event says: by the tag it was copied with, by digest when untagged
      expect(await auditLog('artifact', 'dest/copied/app', 'create')).toEqual([
        ['create', 'dest/copied/app:v1'],
        ['create', `dest/copied/app@${index}`],
      ]);
    });

    it('refuses a copy beyond the destination quota with nothing copied', async () => {
      expect((await call('POST', '/projects', { body: { project_name: 'tiny', storage_limit: 1000 } })).status).toBe(201);
      await registry.pushImage('arts/big', 'v1', { layers: 1, layerSize: 4000 });
      const answer = await call('POST', `${artifacts('tiny', 'app')}?from=${encodeURIComponent('arts/big:v1')}`);
      expect(answer.status).toBe(403);
      expect(message(answer)).toMatch(/quota/);
      expect(await used('tiny')).toBe(0);
      expect((await call('GET', '/projects/tiny/repositories')).json).toEqual([]);
    });

    it('needs pull on the source (404 for a hidden private project) and push on the destination; checks from', async () => {
      await registry.pushImage('secret/hidden', 'v1');
      await registry.pushImage('arts/open', 'v1');
      const hidden = await call('POST', `${artifacts('dest', 'x')}?from=${encodeURIComponent('secret/hidden:v1')}`, { auth: users.dev });
      expect(hidden.status).toBe(404);
      // guest in arts may pull but not push there
      const noPush = await call('POST', `${artifacts('arts', 'x')}?from=${encodeURIComponent('arts/open:v1')}`, { auth: users.guest });
      expect(noPush.status).toBe(403);
      expect((await call('POST', `${artifacts('secret', 'x')}?from=${encodeURIComponent('arts/open:v1')}`, { auth: users.dev })).status).toBe(404);
      expect((await call('POST', `${artifacts('dest', 'x')}?from=${encodeURIComponent('arts/open:nope')}`, { auth: users.dev })).status).toBe(404);
      expect((await call('POST', `${artifacts('dest', 'x')}?from=noslash`, { auth: users.dev })).status).toBe(400);
      expect((await call('POST', `${artifacts('dest', 'Bad Name')}?from=${encodeURIComponent('arts/open:v1')}`, { auth: users.dev })).status).toBe(400);
      expect((await call('POST', `${artifacts('dest', 'x')}`, { auth: users.dev })).status).toBe(400);
      expect((await call('GET', '/projects/dest/repositories?q=name%3Dx')).json).toEqual([]);
    });
  });

  describe('permissions', () => {
    it('lets a guest read but not delete, and hides a private project from non-members', async () => {
      await registry.pushImage('arts/perm', 'v1');
      const path = `${artifacts('arts', 'perm')}/v1`;
      expect((await call('GET', path, { auth: users.guest })).status).toBe(200);
      expect((await call('GET', artifacts('arts', 'perm'), { auth: users.guest })).status).toBe(200);
      expect((await call('GET', `${path}/tags`, { auth: users.guest })).status).toBe(200);
      expect((await call('GET', '/projects/arts/repositories', { auth: users.guest })).status).toBe(200);
      expect((await call('DELETE', path, { auth: users.guest })).status).toBe(403);
      expect((await call('POST', `${path}/tags`, { auth: users.guest, body: { name: 'x' } })).status).toBe(403);
      expect((await call('DELETE', `${path}/tags/v1`, { auth: users.dev })).status).toBe(403);
      expect((await call('PUT', `/projects/arts/repositories/perm`, { auth: users.guest, body: { description: 'x' } })).status).toBe(403);
      for (const auth of [users.outsider, null]) {
        expect((await call('GET', path, { auth })).status).toBe(404);
        expect((await call('GET', '/projects/arts/repositories', { auth })).status).toBe(404);
        expect((await call('DELETE', path, { auth })).status).toBe(404);
      }
      expect((await call('GET', path)).status).toBe(200);
    });

    it('lets anyone read a public project, and asks anonymous writers to log in', async () => {
      const image = await registry.pushImage('library/pub', 'v1');
      const anonymous = await call('GET', `${artifacts('library', 'pub')}/v1`, { auth: null });
      expect(anonymous.status).toBe(200);
      expect(anonymous.json.digest).toBe(image.digest);
      expect((await call('GET', '/projects/library/repositories', { auth: null })).json.map((r: any) => r.name)).toContain('library/pub');
      expect((await call('GET', `${artifacts('library', 'pub')}/v1`, { auth: users.outsider })).status).toBe(200);
      expect((await call('DELETE', `${artifacts('library', 'pub')}/v1`, { auth: null })).status).toBe(401);
      expect((await call('DELETE', `/projects/library/repositories/pub`, { auth: users.outsider })).status).toBe(403);
      expect((await call('POST', `${artifacts('dest', 'frompub')}?from=${encodeURIComponent('library/pub:v1')}`, { auth: users.dev })).status).toBe(201);
    });
  });
});

/** The chart tarball the tests build is a real gzipped tar (read back with the tar CLI). */
describe('test support: tarGzOf', () => {
  it('writes an archive tar can list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-tar-'));
    writeFileSync(join(dir, 'chart.tgz'), tarGzOf({ 'nginx/Chart.yaml': 'name: nginx\n', 'nginx/values.yaml': 'a: 1\n' }));
    expect(execFileSync('tar', ['-tzf', join(dir, 'chart.tgz')]).toString().trim().split('\n')).toEqual(['nginx/Chart.yaml', 'nginx/values.yaml']);
  });
});
