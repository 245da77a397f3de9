import type { INestApplicationContext } from '@nestjs/common';
import { eventually } from '../support/eventually';
import { callApi, type ApiCallOptions } from '../support/management-api';
import { rawManifestDigest } from '../support/oci-layout';
import { TEST_ADMIN } from '../support/test-credentials';
import { pushTestImage, startUpstreamRegistry, type UpstreamRegistryProcess } from '../support/upstream-registry';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';

describe('replication end to end with the copy engine', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let target: UpstreamRegistryProcess;
  let registryId: number;
  const call = (method: string, path: string, options: ApiCallOptions = {}) => callApi(api.url, method, path, options);

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    worker = await startWorker(environment);
    target = await startUpstreamRegistry();
    const endpoint = await call('POST', '/registries', { body: { name: 'target', type: 'docker-registry', url: target.url, insecure: true } });
    registryId = Number(endpoint.headers.get('location')!.split('/').pop());
  });
  afterAll(async () => {
    await worker?.close();
    await target?.stop();
    await api?.close();
    await environment?.close();
  });

  it('a push-based policy copies for real; a second execution only HEADs; a pull-based one brings it back', async () => {
    const a = await pushTestImage(api.url, 'library/app', 'v1', TEST_ADMIN, { layers: 3 });
    const b = await pushTestImage(api.url, 'library/team/tool', 'v2', TEST_ADMIN, { layers: 2 });
    const policy = await call('POST', '/replication/policies', { body: { name: 'push', dest_registry: { id: registryId }, dest_namespace: 'mirror', dest_namespace_replace_count: 1, enabled: true, filters: [{ type: 'name', value: 'library/**' }] } });
    expect(policy.status).toBe(201);
    const policyId = Number(policy.headers.get('location')!.split('/').pop());
    const run = async () => {
      const started = await call('POST', '/replication/executions', { body: { policy_id: policyId } });
      expect(started.status).toBe(201);
      const id = Number(started.headers.get('location')!.split('/').pop());
      let last: any;
      await eventually(async () => ((last = (await call('GET', `/replication/executions/${id}`)).json), last.status !== 'InProgress'), 60_000);
      const tasks = (await call('GET', `/replication/executions/${id}/tasks`)).json;
      const logs = await Promise.all(tasks.map(async (t: any) => (await call('GET', `/replication/executions/${id}/tasks/${t.id}/log`)).text));
      return { last, tasks, logs };
    };
    const first = await run();
    expect(first.last).toMatchObject({ status: 'Succeed', total: 2, succeed: 2 });
    console.log(first.logs.join('\n---\n'));
    const host = `127.0.0.1:${target.port}`;
    expect(await rawManifestDigest(`docker://${host}/mirror/app:v1`, ['--tls-verify=false'])).toBe(a.digest);
    expect(await rawManifestDigest(`docker://${host}/mirror/team/tool:v2`, ['--tls-verify=false'])).toBe(b.digest);

    target.clearRequests();
    const second = await run();
    console.log(second.logs.join('\n---\n'), JSON.stringify(second.tasks));
    expect(second.last.status).toBe('Succeed');
    expect((await target.settledRequests()).filter((r) => r.method !== 'HEAD')).toEqual([]);

    expect((await call('POST', '/projects', { body: { project_name: 'back', metadata: { public: 'false' } } })).status).toBe(201);
    const pull = await call('POST', '/replication/policies', { body: { name: 'pull', src_registry: { id: registryId }, dest_namespace: 'back', dest_namespace_replace_count: 1, enabled: true, filters: [{ type: 'name', value: 'mirror/**' }] } });
    expect(pull.status).toBe(201);
    const pullId = Number(pull.headers.get('location')!.split('/').pop());
    const started = await call('POST', '/replication/executions', { body: { policy_id: pullId } });
    const id = Number(started.headers.get('location')!.split('/').pop());
    let last: any;
    await eventually(async () => ((last = (await call('GET', `/replication/executions/${id}`)).json), last.status !== 'InProgress'), 60_000);
    const tasks = (await call('GET', `/replication/executions/${id}/tasks`)).json;
    console.log(JSON.stringify(last), JSON.stringify(tasks));
    expect(last).toMatchObject({ status: 'Succeed', total: 2 });
    expect(await rawManifestDigest(`docker://${api.url.replace('http://', '')}/back/app:v1`, ['--tls-verify=false', '--creds', `admin:${TEST_ADMIN.password}`])).toBe(a.digest);
  });
});
