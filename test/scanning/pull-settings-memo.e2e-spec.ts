/**
 * A manifest GET asks the project's pull-policy settings (content trust, prevent_vul, ...): they
 * are remembered per process, so a pull reads no project metadata from the database, and a change
 * of them still counts at once on the replica that made it and within about a second on another
 * replica (the settings epoch in Redis), so enabling enforcement is never outlived by a cache.
 */
import { eventually } from '../support/eventually';
import { callApi } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { statementsDuring } from '../support/pg-statements';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';


describe('pull-policy settings remembered per process', () => {
  let environment: TestEnvironment;
  let replicaA: RunningApi;
  let replicaB: RunningApi;
  let clientA: RegistryClient;
  let clientB: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    replicaA = await startApi(environment);
    replicaB = await startApi(environment);
    clientA = new RegistryClient(replicaA.url);
    clientB = new RegistryClient(replicaB.url);
    expect((await callApi(replicaA.url, 'POST', '/projects', { body: { project_name: 'signed', metadata: { public: 'false' } } })).status).toBe(201);
    await clientA.pushImage('signed/app', 'v1');
  });

  afterAll(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await environment?.close();
  });

  const pull = (client: RegistryClient) => client.fetch('/v2/signed/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
  const setCosign = (value: 'true' | 'false') => callApi(replicaA.url, 'PUT', '/projects/signed', { body: { metadata: { enable_content_trust_cosign: value } } });

  it('a repeated pull reads no project metadata from the database', async () => {
    expect((await pull(clientA)).status).toBe(200);
    const statements = await statementsDuring(async () => {
      expect((await pull(clientA)).status).toBe(200);
    });
    expect(statements.filter((s) => s.includes('project_metadata'))).toEqual([]);
  });

  it('enforcement switched on counts at once where it was made and within moments on another replica, and so does switching it off', async () => {
    // both replicas remember the settings without enforcement
    expect((await pull(clientA)).status).toBe(200);
    expect((await pull(clientB)).status).toBe(200);

    expect((await setCosign('true')).status).toBe(200);
    const refused = await pull(clientA);
    expect(refused.status).toBe(412);
    expect(((await refused.json()) as { errors: { code: string }[] }).errors[0].code).toBe('PROJECTPOLICYVIOLATION');
    await eventually(async () => (await pull(clientB)).status === 412, 5_000);

    expect((await setCosign('false')).status).toBe(200);
    expect((await pull(clientA)).status).toBe(200);
    await eventually(async () => (await pull(clientB)).status === 200, 5_000);
  });

  it('deleting the metadata key counts as a change too', async () => {
    expect((await setCosign('true')).status).toBe(200);
    expect((await pull(clientA)).status).toBe(412);
    expect((await callApi(replicaA.url, 'DELETE', '/projects/signed/metadatas/enable_content_trust_cosign')).status).toBe(200);
    expect((await pull(clientA)).status).toBe(200);
  });
});
