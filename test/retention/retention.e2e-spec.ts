import type { INestApplicationContext } from '@nestjs/common';
import { DeleteArtifactCommand, TagCommands } from '@wharf/artifacts';
import { RetentionPolicies, RetentionRuns } from '@wharf/retention';
import { Client } from 'pg';
import { auditEntries } from '../support/audit-entries';
import { callApi, errorCodeOf } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';
import { createPolicy, createProject, digestsOf, execute, logRows, policyBody, pushImage, removals, rule, setTimes, tagsOf, waitForEnd } from './retention-support';

/**
 * Tag retention end to end: images pushed through /v2, push and pull times set in SQL, policies
 * made and run through /api/v2.0/retentions, the run done by a worker, the outcome read from the
 * database and from the tasks' log tables.
 */
describe('tag retention: /api/v2.0/retentions and its runs', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Client;
  let client: RegistryClient;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    worker = await startWorker(environment);
    db = new Client({ connectionString: environment.config.DATABASE_URL });
    await db.connect();
    client = new RegistryClient(api.url);
  });

  afterAll(async () => {
    await worker?.close();
    await db?.end();
    await api?.close();
    await environment?.close();
  });

  it('serves the metadata, and policies as Harbor does: one per project, named by the project metadata retention_id, audited', async () => {
    const metadata = await callApi(api.url, 'GET', '/retentions/metadatas');
    expect(metadata.status).toBe(200);
    expect(metadata.json.templates.map((t: { rule_template: string }) => t.rule_template)).toEqual(['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always', 'nothing']);
    expect(metadata.json.templates[0].params).toEqual([{ type: 'int', unit: 'COUNT', required: true }]);
    expect(metadata.json.tag_selectors[0].decorations).toEqual(['matches', 'excludes']);
    expect(metadata.json.scope_selectors[0].decorations).toEqual(['repoMatches', 'repoExcludes']);

    const projectId = await createProject(api.url, 'crud');
    const id = await createPolicy(api.url, projectId, [rule('latestPushedK', 3, { untagged: true })]);
    const project = await callApi(api.url, 'GET', `/projects/${projectId}`);
    expect(project.json.metadata.retention_id).toBe(String(id));
    const read = await callApi(api.url, 'GET', `/retentions/${id}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id, algorithm: 'or', scope: { level: 'project', ref: projectId }, trigger: { kind: 'Schedule' } });
    expect(read.json.rules[0]).toMatchObject({ id: 1, action: 'retain', template: 'latestPushedK', params: { latestPushedK: 3 }, disabled: false });
    expect((await callApi(api.url, 'GET', `/retentions?project_id=${projectId}`)).json.map((p: { id: number }) => p.id)).toEqual([id]);

    const second = await callApi(api.url, 'POST', '/retentions', { body: policyBody(projectId, [rule('always')]) });
    expect(second.status).toBe(409);
    const invalid = await callApi(api.url, 'POST', '/retentions', { body: policyBody(projectId, [{ ...rule('latestPushedK'), params: { latestPushedK: -1 } }]) });
    expect(invalid.status).toBe(400);
    expect(errorCodeOf(invalid)).toBe('BAD_REQUEST');
    const badCron = await callApi(api.url, 'PUT', `/retentions/${id}`, { body: policyBody(projectId, [rule('always')], 'every day') });
    expect(badCron.status).toBe(400);

    expect((await callApi(api.url, 'PUT', `/retentions/${id}`, { body: policyBody(projectId, [rule('nDaysSinceLastPush', 7)]) })).status).toBe(200);
    expect((await callApi(api.url, 'GET', `/retentions/${id}`)).json.rules[0].template).toBe('nDaysSinceLastPush');
    expect((await callApi(api.url, 'DELETE', `/retentions/${id}`)).status).toBe(200);
    expect((await callApi(api.url, 'GET', `/retentions/${id}`)).status).toBe(404);
    expect((await callApi(api.url, 'GET', `/projects/${projectId}`)).json.metadata.retention_id).toBeUndefined();
    const audited = (await auditEntries(api.app)).filter((e) => e.resourceType === 'retention').map((e) => `${e.operation} ${e.resource}`);
    expect(audited).toEqual(expect.arrayContaining([`create policy ${id}`, `update policy ${id}`, `delete policy ${id}`]));
  });

  it('runs each template: what it keeps stays, the rest goes through the artifact commands (events, quota)', async () => {
    const projectId = await createProject(api.url, 'templates');
    const images: Record<string, string> = {};
    const push = async (repository: string, tag: string, pushedDaysAgo: number, pulledDaysAgo: number | null = null) => {
      const digest = await pushImage(client, `templates/${repository}`, [tag]);
      await setTimes(db, `templates/${repository}`, digest, pushedDaysAgo, pulledDaysAgo);
      images[`${repository}:${tag}`] = digest;
    };
    await push('pushed', 'a', 3);
    await push('pushed', 'b', 2);
    await push('pushed', 'c', 1);
    await push('pulled', 'recent', 9, 1);
    await push('pulled', 'older', 9, 5);
    await push('pulled', 'never', 9);
    await push('push-age', 'old', 10);
    await push('push-age', 'new', 1);
    await push('pull-age', 'stale', 20, 10);
    await push('pull-age', 'used', 20, 2);
    await push('always', 'keep-1', 30);
    await push('always', 'other', 30);
    await push('nothing', 'gone', 1);
    const usedBefore = Number((await db.query<{ storage_used: string }>(`SELECT storage_used FROM project WHERE project_id = $1`, [projectId])).rows[0].storage_used);

    const policyId = await createPolicy(api.url, projectId, [
      rule('latestPushedK', 2, { repositories: 'pushed' }),
      rule('latestPulledN', 2, { repositories: 'pulled' }),
      rule('nDaysSinceLastPush', 5, { repositories: 'push-age' }),
      rule('nDaysSinceLastPull', 5, { repositories: 'pull-age' }),
      rule('always', undefined, { repositories: 'always', tags: 'keep-*' }),
      rule('nothing', undefined, { repositories: 'nothing' }),
    ]);
    const executionId = await execute(api.url, db, policyId, false);

    expect(await tagsOf(db, 'templates/pushed')).toEqual(['b', 'c']);
    expect(await tagsOf(db, 'templates/pulled')).toEqual(['older', 'recent']);
    expect(await tagsOf(db, 'templates/push-age')).toEqual(['new']);
    expect(await tagsOf(db, 'templates/pull-age')).toEqual(['used']);
    expect(await tagsOf(db, 'templates/always')).toEqual(['keep-1']);
    expect(await tagsOf(db, 'templates/nothing')).toEqual([]);
    expect(await digestsOf(db, 'templates/nothing')).toEqual([]);

    // executions and tasks as Harbor shows them: one task per repository with total and retained
    const executions = await callApi(api.url, 'GET', `/retentions/${policyId}/executions`);
    expect(executions.json[0]).toMatchObject({ id: executionId, policy_id: policyId, status: 'Success', trigger: 'MANUAL', dry_run: false });
    const tasks = await callApi(api.url, 'GET', `/retentions/${policyId}/executions/${executionId}/tasks`);
    const byRepository = Object.fromEntries((tasks.json as { repository: string; total: number; retained: number; status: string }[]).map((t) => [t.repository, `${t.status} ${t.total}/${t.retained}`]));
    expect(byRepository).toEqual({
      'templates/always': 'Success 2/1',
      'templates/nothing': 'Success 1/0',
      'templates/pull-age': 'Success 2/1',
      'templates/pulled': 'Success 3/2',
      'templates/push-age': 'Success 2/1',
      'templates/pushed': 'Success 3/2',
    });
    const rows = await logRows(api.url, `/retentions/${policyId}`, executionId);
    expect(rows).toContainEqual({ repository: 'templates/pushed', tag: 'a', digest: images['pushed:a'], action: 'DELETE' });
    expect(rows).toContainEqual({ repository: 'templates/pushed', tag: 'c', digest: images['pushed:c'], action: 'RETAIN' });

    // removals went through the deep delete: DELETE_ARTIFACT events naming the operator, quota given back
    const events = await db.query<{ digest: string; operator: string }>(`SELECT payload->>'digest' AS digest, payload->>'operator' AS operator FROM event_outbox WHERE event_type = 'DELETE_ARTIFACT'`);
    expect(events.rows).toContainEqual({ digest: images['pushed:a'], operator: 'retention' });
    const usedAfter = Number((await db.query<{ storage_used: string }>(`SELECT storage_used FROM project WHERE project_id = $1`, [projectId])).rows[0].storage_used);
    expect(usedAfter).toBeLessThan(usedBefore);
  });

  it('a dry run lists exactly what the real run then removes, and removes nothing itself; an unsaved body can be previewed', async () => {
    const projectId = await createProject(api.url, 'dryrun');
    for (const [repository, tags, age] of [
      ['dryrun/app', ['v1', 'tmp-1'], 10],
      ['dryrun/app', ['v2'], 5],
      ['dryrun/app', ['tmp-2'], 1],
      ['dryrun/lib', ['v1'], 40],
      ['dryrun/lib', ['v3', 'latest'], 2],
    ] as [string, string[], number][]) {
      await setTimes(db, repository, await pushImage(client, repository, tags), age);
    }
    const rules = [rule('latestPushedK', 2, { tags: 'v*' }), rule('nDaysSinceLastPush', 3, { tags: 'latest' })];
    const before = [...(await tagsOf(db, 'dryrun/app')), ...(await tagsOf(db, 'dryrun/lib'))];

    // preview of a body not saved yet
    const preview = await callApi(api.url, 'POST', '/retentions/dry-run', { body: policyBody(projectId, rules) });
    expect(preview.status).toBe(201);
    const previewId = Number(preview.headers.get('location')!.split('/').pop());
    expect(await waitForEnd(db, previewId)).toBe('Success');
    expect((await callApi(api.url, 'GET', `/retentions/dry-runs/${previewId}`)).json).toMatchObject({ id: previewId, policy_id: null, dry_run: true, project_id: projectId });
    const previewed = removals(await logRows(api.url, '/retentions/dry-runs', previewId));

    const policyId = await createPolicy(api.url, projectId, rules);
    const dryId = await execute(api.url, db, policyId, true);
    const planned = removals(await logRows(api.url, `/retentions/${policyId}`, dryId));
    expect([...(await tagsOf(db, 'dryrun/app')), ...(await tagsOf(db, 'dryrun/lib'))]).toEqual(before);
    expect(planned).toEqual(previewed);
    expect(planned.length).toBeGreaterThan(0);

    const realId = await execute(api.url, db, policyId, false);
    const done = removals(await logRows(api.url, `/retentions/${policyId}`, realId));
    expect(done).toEqual(planned);
    // and the database agrees with the log
    expect(await tagsOf(db, 'dryrun/app')).toEqual(['v1', 'v2']);
    expect(await tagsOf(db, 'dryrun/lib')).toEqual(['latest', 'v1', 'v3']);
  });

  it('shared digests: only the tags no rule keeps go, the artifact stays', async () => {
    const projectId = await createProject(api.url, 'shared');
    const shared = await pushImage(client, 'shared/app', ['v1', 'latest', 'tmp']);
    const alone = await pushImage(client, 'shared/app', ['tmp-only']);
    await setTimes(db, 'shared/app', shared, 10);
    await setTimes(db, 'shared/app', alone, 10);
    const policyId = await createPolicy(api.url, projectId, [rule('always', undefined, { tags: 'v*' }), rule('always', undefined, { tags: 'latest' })]);
    const executionId = await execute(api.url, db, policyId, false);
    expect(await tagsOf(db, 'shared/app')).toEqual(['latest', 'v1']);
    expect(await digestsOf(db, 'shared/app')).toEqual([shared]);
    const rows = await logRows(api.url, `/retentions/${policyId}`, executionId);
    expect(rows.filter((r) => r.digest === shared).map((r) => `${r.tag} ${r.action}`)).toEqual(['latest RETAIN', 'tmp UNTAG', 'v1 RETAIN']);
    const tagEvents = await db.query(`SELECT 1 FROM event_outbox WHERE event_type = 'DELETE_TAG' AND payload->>'digest' = $1 AND payload->'tags' ? 'tmp'`, [shared]);
    expect(tagEvents.rowCount).toBe(1);
  });

  it('never removes an immutable artifact, nor an untagged one a rule with the untagged extra keeps', async () => {
    const projectId = await createProject(api.url, 'immutable');
    const rule1 = await callApi(api.url, 'POST', `/projects/${projectId}/immutabletagrules`, {
      body: {
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'prod*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        disabled: false,
        action: 'immutable',
        template: 'immutable_template',
      },
    });
    expect(rule1.status).toBe(201);
    const prod = await pushImage(client, 'immutable/app', ['prod-1', 'scratch']);
    const dev = await pushImage(client, 'immutable/app', ['dev-1']);
    // an untagged artifact: its only tag removed through /v2 (a DELETE by tag takes only the tag)
    const untagged = await pushImage(client, 'immutable/app', ['to-untag']);
    expect((await client.fetch('/v2/immutable/app/manifests/to-untag', { method: 'DELETE' })).status).toBe(202);
    for (const digest of [prod, dev, untagged]) await setTimes(db, 'immutable/app', digest, 50);
    const policyId = await createPolicy(api.url, projectId, [rule('latestPushedK', 0, { untagged: true }), rule('always', undefined, { tags: 'nothing-matches', untagged: true })]);
    const executionId = await execute(api.url, db, policyId, false);
    expect(await digestsOf(db, 'immutable/app')).toEqual([prod, untagged].sort());
    expect(await tagsOf(db, 'immutable/app')).toEqual(['prod-1', 'scratch']);
    const rows = await logRows(api.url, `/retentions/${policyId}`, executionId);
    expect(rows.filter((r) => r.digest === prod).map((r) => r.action)).toEqual(['RETAIN(immutable)', 'RETAIN(immutable)']);
    expect(rows.find((r) => r.digest === untagged)).toMatchObject({ tag: '<none>', action: 'RETAIN' });
  });

  it('a push during a run is never removed: the run judges the snapshot taken at its start, each removal checks again', async () => {
    const projectId = await createProject(api.url, 'racing');
    const old = await pushImage(client, 'racing/app', ['old']);
    const retagged = await pushImage(client, 'racing/app', ['stale']);
    await setTimes(db, 'racing/app', old, 30);
    await setTimes(db, 'racing/app', retagged, 30);
    const policyId = await createPolicy(api.url, projectId, [rule('nothing', undefined, { untagged: true })]);
    const policy = (await api.app.get(RetentionPolicies).get(policyId))!;
    // launched (snapshot taken, tasks written) but not queued yet: pushes land between the snapshot and the run
    const runs = api.app.get(RetentionRuns);
    const executionId = await runs.launch({ projectId, rules: policy.rules, policyId }, { dryRun: false, trigger: 'MANUAL', enqueue: false });
    await new Promise((r) => setTimeout(r, 20));
    const fresh = await pushImage(client, 'racing/app', ['fresh']);
    // a tag added to an old artifact (the artifact's own push time does not move): the artifact stays, its new tag too
    expect((await callApi(api.url, 'POST', `/projects/racing/repositories/app/artifacts/${retagged}/tags`, { body: { name: 'new-tag' } })).status).toBe(201);
    await runs.queue(executionId);
    expect(await waitForEnd(db, executionId)).toBe('Success');
    expect(await digestsOf(db, 'racing/app')).toEqual([fresh, retagged].sort());
    // its old tag went: no rule keeps it, and it was there at the snapshot
    expect(await tagsOf(db, 'racing/app')).toEqual(['fresh', 'new-tag']);
    const rows = await logRows(api.url, `/retentions/${policyId}`, executionId);
    expect(rows.filter((r) => r.digest === retagged).map((r) => `${r.tag} ${r.action}`)).toEqual(['new-tag RETAIN(pushed during run)', 'stale UNTAG']);
    expect(rows.some((r) => r.digest === fresh)).toBe(false);

    // and the removal's own re-check, for a push that lands after the run judged: the delete is refused under the lock
    const late = await pushImage(client, 'racing/app', ['late']);
    const snapshotBeforeIt = new Date(Date.now() - 60_000);
    expect(await api.app.get(DeleteArtifactCommand).deleteIfUnchanged('racing/app', late, { pushedBefore: snapshotBeforeIt, tags: ['late'] }, 'retention')).toBe('pushed during the run');
    expect(await digestsOf(db, 'racing/app')).toContain(late);
    // likewise a tag removal: `late` was pushed after that snapshot and stays; `fresh` moved meanwhile (it names another artifact) and stays
    const lateId = Number((await db.query(`SELECT id FROM artifact WHERE repository_name = 'racing/app' AND digest = $1`, [late])).rows[0].id);
    const removed = await api.app.get(TagCommands).untagManyIfUnchanged('racing/app', new Map([['late', lateId], ['fresh', lateId]]), snapshotBeforeIt, 'retention');
    expect([...removed]).toEqual([]);
    expect(await tagsOf(db, 'racing/app')).toEqual(['fresh', 'late', 'new-tag']);
  });

  it('a schedule fires runs (trigger SCHEDULE) until the policy drops its cron', async () => {
    const projectId = await createProject(api.url, 'scheduled');
    await setTimes(db, 'scheduled/app', await pushImage(client, 'scheduled/app', ['old']), 30);
    const policyId = await createPolicy(api.url, projectId, [rule('nDaysSinceLastPush', 7)], '*/2 * * * * *');
    const schedule = await db.query(`SELECT cron FROM schedule WHERE vendor_type = 'RETENTION' AND vendor_id = $1`, [policyId]);
    expect(schedule.rows).toEqual([{ cron: '*/2 * * * * *' }]);
    const deadline = Date.now() + 30_000;
    let fired: { id: number } | undefined;
    while (!fired && Date.now() < deadline) {
      fired = (await db.query<{ id: number }>(`SELECT id FROM execution WHERE vendor_type = 'RETENTION' AND vendor_id = $1 AND trigger = 'SCHEDULE' ORDER BY id LIMIT 1`, [policyId])).rows[0];
      if (!fired) await new Promise((r) => setTimeout(r, 200));
    }
    expect(fired).toBeDefined();
    await waitForEnd(db, fired!.id);
    expect(await tagsOf(db, 'scheduled/app')).toEqual([]);
    expect((await callApi(api.url, 'PUT', `/retentions/${policyId}`, { body: policyBody(projectId, [rule('nDaysSinceLastPush', 7)]) })).status).toBe(200);
    expect((await db.query(`SELECT 1 FROM schedule WHERE vendor_type = 'RETENTION' AND vendor_id = $1`, [policyId])).rowCount).toBe(0);
  });

  it('stops mid-run: what is running finishes its batch, the waiting repositories never start', async () => {
    const projectId = await createProject(api.url, 'stopping');
    // one image's blobs, its manifest pushed again with a new annotation into many repositories
    const base = await client.pushImage('stopping/r000', 'seed', { layers: 1, layerSize: 128 });
    const parsed = JSON.parse(base.manifest.toString()) as Record<string, unknown>;
    const repositories = 16;
    const perRepository = 6;
    for (let r = 0; r < repositories; r += 1) {
      const repository = `stopping/r${String(r).padStart(3, '0')}`;
      for (let i = 0; i < perRepository; i += 1) {
        const body = Buffer.from(JSON.stringify({ ...parsed, annotations: { n: `${r}-${i}` } }));
        expect((await client.pushManifest(repository, `t${i}`, body, 'application/vnd.oci.image.manifest.v1+json')).status).toBe(201);
      }
    }
    await db.query(`UPDATE artifact SET push_time = now() - interval '30 days' WHERE repository_name LIKE 'stopping/%'`);
    await db.query(`UPDATE tag SET push_time = now() - interval '30 days' FROM repository r WHERE r.repository_id = tag.repository_id AND r.name LIKE 'stopping/%'`);
    const policyId = await createPolicy(api.url, projectId, [rule('latestPushedK', 1)]);

    // the test holds the project's row lock, so the first repositories' deletes wait mid-run
    const holder = new Client({ connectionString: environment.config.DATABASE_URL });
    await holder.connect();
    let executionId: number;
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM project WHERE project_id = $1 FOR UPDATE`, [projectId]);
      const started = await callApi(api.url, 'POST', `/retentions/${policyId}/executions`, { body: { dry_run: false } });
      executionId = Number(started.headers.get('location')!.split('/').pop());
      const deadline = Date.now() + 30_000;
      while ((await db.query(`SELECT 1 FROM task WHERE execution_id = $1 AND status = 'Running'`, [executionId])).rowCount === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const stop = await callApi(api.url, 'PATCH', `/retentions/${policyId}/executions/${executionId}`, { body: { action: 'stop' } });
      expect(stop.status).toBe(200);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    expect(await waitForEnd(db, executionId)).toBe('Stopped');
    const tasks = (await callApi(api.url, 'GET', `/retentions/${policyId}/executions/${executionId}/tasks`)).json as { repository: string; status: string }[];
    expect(tasks).toHaveLength(repositories);
    const finished = tasks.filter((t) => t.status === 'Success');
    const stopped = tasks.filter((t) => t.status === 'Stopped');
    expect(finished.length).toBeGreaterThan(0);
    expect(stopped.length).toBeGreaterThan(0);
    expect(finished.length + stopped.length).toBe(repositories);
    // the repositories it got to keep their newest artifact; the ones it never started keep everything
    for (const task of finished) expect(await digestsOf(db, task.repository)).toHaveLength(1);
    for (const task of stopped) expect(await digestsOf(db, task.repository)).toHaveLength(task.repository === 'stopping/r000' ? perRepository + 1 : perRepository);
    const badAction = await callApi(api.url, 'PATCH', `/retentions/${policyId}/executions/${executionId}`, { body: { action: 'pause' } });
    expect(badAction.status).toBe(400);
    const audited = (await auditEntries(api.app)).filter((e) => e.resourceType === 'retention').map((e) => e.resource);
    expect(audited).toContain(`execution ${executionId} stopped`);
  });

  it('judges an index as one artifact: its children go with it, and a child another kept index names stays', async () => {
    const projectId = await createProject(api.url, 'indexes');
    const shared = await client.pushImage('indexes/multi', 'child-shared', { layers: 1, layerSize: 128 });
    const own = await client.pushImage('indexes/multi', 'child-own', { layers: 1, layerSize: 128 });
    // the children lose their tags: they are reached through the indexes only
    for (const tag of ['child-shared', 'child-own']) expect((await client.fetch(`/v2/indexes/multi/manifests/${tag}`, { method: 'DELETE' })).status).toBe(202);
    const indexOf = (children: { digest: string; manifest: Buffer }[]) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: children.map((c, i) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: c.digest, size: c.manifest.length, platform: { architecture: `arch${i}`, os: 'linux' } })),
        }),
      );
    const oldIndex = indexOf([shared, own]);
    const newIndex = indexOf([shared]);
    expect((await client.pushManifest('indexes/multi', 'old', oldIndex, 'application/vnd.oci.image.index.v1+json')).status).toBe(201);
    expect((await client.pushManifest('indexes/multi', 'new', newIndex, 'application/vnd.oci.image.index.v1+json')).status).toBe(201);
    await db.query(`UPDATE artifact SET push_time = now() - interval '10 days' WHERE repository_name = 'indexes/multi'`);
    await db.query(`UPDATE artifact SET push_time = now() - interval '1 day' WHERE repository_name = 'indexes/multi' AND media_type = 'application/vnd.oci.image.index.v1+json' AND id = (SELECT max(id) FROM artifact WHERE repository_name = 'indexes/multi')`);
    await db.query(`UPDATE tag SET push_time = now() - interval '10 days' FROM repository r WHERE r.repository_id = tag.repository_id AND r.name = 'indexes/multi'`);
    const policyId = await createPolicy(api.url, projectId, [rule('latestPushedK', 1)]);
    const executionId = await execute(api.url, db, policyId, false);
    expect(await tagsOf(db, 'indexes/multi')).toEqual(['new']);
    // the old index and its own child went; the shared child stays with the index that still names it
    expect((await digestsOf(db, 'indexes/multi')).length).toBe(2);
    expect(await digestsOf(db, 'indexes/multi')).toContain(shared.digest);
    expect(await digestsOf(db, 'indexes/multi')).not.toContain(own.digest);
    const rows = await logRows(api.url, `/retentions/${policyId}`, executionId);
    // children are never judged on their own
    expect(rows.map((r) => `${r.tag} ${r.action}`).sort()).toEqual(['new RETAIN', 'old DELETE']);
  });

  it('records pull times so the pull templates can be trusted: a child pulled by digest marks its index pulled', async () => {
    await createProject(api.url, 'pulls');
    const child = await client.pushImage('pulls/multi', 'amd64', { layers: 1, layerSize: 128 });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: child.digest, size: child.manifest.length, platform: { architecture: 'amd64', os: 'linux' } }],
      }),
    );
    expect((await client.pushManifest('pulls/multi', 'latest', index, 'application/vnd.oci.image.index.v1+json')).status).toBe(201);
    await db.query(`UPDATE artifact SET pull_time = NULL WHERE repository_name = 'pulls/multi'`);
    expect((await client.fetch(`/v2/pulls/multi/manifests/${child.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(200);
    const deadline = Date.now() + 20_000;
    let pulled: { media_type: string; pulled: boolean }[] = [];
    while (Date.now() < deadline) {
      pulled = (await db.query(`SELECT media_type, pull_time IS NOT NULL AS pulled FROM artifact WHERE repository_name = 'pulls/multi' ORDER BY media_type`)).rows;
      if (pulled.every((r) => r.pulled)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(pulled).toEqual([
      { media_type: 'application/vnd.oci.image.index.v1+json', pulled: true },
      { media_type: 'application/vnd.oci.image.manifest.v1+json', pulled: true },
    ]);
  });

  it('gives new projects the system default policy when one is configured (RETENTION_DEFAULT_POLICY)', async () => {
    const defaults = await createTestEnvironment('filesystem', {
      RETENTION_DEFAULT_POLICY: JSON.stringify({ rules: [rule('latestPushedK', 10, { untagged: true })], trigger: { kind: 'Schedule', settings: { cron: '0 0 3 * * *' } } }),
    });
    const other = await startApi(defaults);
    try {
      const projectId = await createProject(other.url, 'defaulted');
      const project = await callApi(other.url, 'GET', `/projects/${projectId}`);
      const policies = await callApi(other.url, 'GET', `/retentions?project_id=${projectId}`);
      expect(policies.json).toHaveLength(1);
      expect(project.json.metadata.retention_id).toBe(String(policies.json[0].id));
      expect(policies.json[0]).toMatchObject({ rules: [{ template: 'latestPushedK', params: { latestPushedK: 10 } }], trigger: { settings: { cron: '0 0 3 * * *' } } });
    } finally {
      await other.close();
      await defaults.close();
    }
  });
});
