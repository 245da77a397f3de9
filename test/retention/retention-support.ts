import { parseLogTable, type LogRow, type RetentionRule } from '@wharf/retention';
import type { Client } from 'pg';
import { callApi } from '../support/management-api';
import { RegistryClient } from '../support/registry-client';

/** A rule as Harbor's UI sends it: tags matching `pattern` (untagged ones too when asked), repositories matching `repositories`. */
export function rule(template: RetentionRule['template'], value?: number, options: { tags?: string; untagged?: boolean; repositories?: string; excludeTags?: boolean } = {}): RetentionRule {
  return {
    action: 'retain',
    template,
    params: value === undefined ? {} : { [template]: value },
    tag_selectors: [{ kind: 'doublestar', decoration: options.excludeTags ? 'excludes' : 'matches', pattern: options.tags ?? '**', extras: options.untagged ? { untagged: true } : {} }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: options.repositories ?? '**' }] },
  };
}

export const policyBody = (projectId: number, rules: RetentionRule[], cron = '') => ({
  algorithm: 'or',
  rules,
  trigger: { kind: 'Schedule', settings: { cron } },
  scope: { level: 'project', ref: projectId },
});

export async function createProject(baseUrl: string, name: string): Promise<number> {
  const answer = await callApi(baseUrl, 'POST', '/projects', { body: { project_name: name } });
  if (answer.status !== 201) throw new Error(`project ${name}: ${answer.status} ${answer.text}`);
  return Number(answer.headers.get('location')!.split('/').pop());
}

export async function createPolicy(baseUrl: string, projectId: number, rules: RetentionRule[], cron = ''): Promise<number> {
  const answer = await callApi(baseUrl, 'POST', '/retentions', { body: policyBody(projectId, rules, cron) });
  if (answer.status !== 201) throw new Error(`policy: ${answer.status} ${answer.text}`);
  return Number(answer.headers.get('location')!.split('/').pop());
}

/** Pushes one image (real blobs and manifest through /v2) under its first tag and points the other tags at it. */
export async function pushImage(client: RegistryClient, repository: string, tags: string[]): Promise<string> {
  const { manifest, digest } = await client.pushImage(repository, tags[0], { layers: 1, layerSize: 256 });
  for (const tag of tags.slice(1)) {
    const response = await client.pushManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
    if (response.status !== 201) throw new Error(`tag ${tag}: ${response.status}`);
  }
  return digest;
}

/** Back-dates an artifact's push (and its tags') and sets its pull time, in days before now (null: never pulled). */
export async function setTimes(db: Client, repository: string, digest: string, pushedDaysAgo: number, pulledDaysAgo: number | null = null): Promise<void> {
  await db.query(
    `UPDATE artifact SET push_time = now() - make_interval(days => $3), pull_time = CASE WHEN $4::int IS NULL THEN NULL ELSE now() - make_interval(days => $4::int) END
      WHERE repository_name = $1 AND digest = $2`,
    [repository, digest, pushedDaysAgo, pulledDaysAgo],
  );
  await db.query(`UPDATE tag SET push_time = now() - make_interval(days => $3) FROM artifact a WHERE tag.artifact_id = a.id AND a.repository_name = $1 AND a.digest = $2`, [
    repository,
    digest,
    pushedDaysAgo,
  ]);
}

export async function tagsOf(db: Client, repository: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`SELECT t.name FROM tag t JOIN repository r ON r.repository_id = t.repository_id WHERE r.name = $1 ORDER BY t.name`, [repository]);
  return rows.map((r) => r.name);
}

export async function digestsOf(db: Client, repository: string): Promise<string[]> {
  const { rows } = await db.query<{ digest: string }>(`SELECT digest FROM artifact WHERE repository_name = $1 ORDER BY digest`, [repository]);
  return rows.map((r) => r.digest);
}

export async function waitForEnd(db: Client, executionId: number, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ status: string; open: number }>(
      `SELECT e.status, (SELECT count(*)::int FROM task t WHERE t.execution_id = e.id AND t.status IN ('Pending', 'Running')) AS open FROM execution e WHERE e.id = $1`,
      [executionId],
    );
    if (rows[0] && rows[0].status !== 'Running' && rows[0].open === 0) return rows[0].status;
    if (Date.now() > deadline) throw new Error(`retention execution ${executionId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the policy through the API and waits for the worker to end it. */
export async function execute(baseUrl: string, db: Client, policyId: number, dryRun: boolean): Promise<number> {
  const answer = await callApi(baseUrl, 'POST', `/retentions/${policyId}/executions`, { body: { dry_run: dryRun } });
  if (answer.status !== 201) throw new Error(`execute: ${answer.status} ${answer.text}`);
  const executionId = Number(answer.headers.get('location')!.split('/').pop());
  await waitForEnd(db, executionId);
  return executionId;
}

/** Every task's log table of an execution, through the API. `base`: `/retentions/{id}` or `/retentions/dry-runs`. */
export async function logRows(baseUrl: string, base: string, executionId: number): Promise<LogRow[]> {
  const tasks = await callApi(baseUrl, 'GET', `${base}/executions/${executionId}/tasks`.replace('/dry-runs/executions/', '/dry-runs/'));
  if (tasks.status !== 200) throw new Error(`tasks: ${tasks.status} ${tasks.text}`);
  const rows: LogRow[] = [];
  for (const task of tasks.json as { id: number }[]) {
    const log = await callApi(baseUrl, 'GET', `${base}/executions/${executionId}/tasks/${task.id}`.replace('/dry-runs/executions/', '/dry-runs/'));
    rows.push(...parseLogTable(log.text.split('\n')));
  }
  return rows;
}

/** What a log says went: `repository:tag@digest ACTION` for every DELETE and UNTAG row. */
export const removals = (rows: LogRow[]): string[] =>
  rows
    .filter((r) => r.action === 'DELETE' || r.action === 'UNTAG')
    .map((r) => `${r.repository}:${r.tag}@${r.digest} ${r.action}`)
    .sort();
