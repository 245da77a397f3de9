import { AuditTrail } from '@wharf/audit';
import { SqlClient } from '@wharf/db';
import { MemberService, ProjectRole, UserService } from '@wharf/iam';
import { ProjectService } from '@wharf/projects';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';
import { startWorker } from '../support/worker-context';
import { streamConsumed } from '../support/event-stream';
import type { INestApplicationContext } from '@nestjs/common';
import { callApi, type ApiAnswer as Answer } from '../support/management-api';


interface Item {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  client_ip?: string;
}

const PASSWORD = 'Audit-Test-Pass-1';

describe('audit log: /v2 hooks, /api/v2.0/audit-logs and /projects/{p}/logs', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  /** artifact changes reach the audit log from the event stream, which the worker reads */
  let worker: INestApplicationContext;
  let client: RegistryClient;
  let teamId: number;
  const users: Record<'guest' | 'limited' | 'outsider', Credentials> = {
    guest: { username: 'auditguest', password: PASSWORD },
    limited: { username: 'auditlimited', password: PASSWORD },
    outsider: { username: 'auditoutsider', password: PASSWORD },
  };
  /** what the /v2 test pushed: the digests of team/app:v1 and :v2 */
  const pushed: { v1?: string; v2?: string } = {};
  const started = new Date();

  const call = (path: string, auth: Credentials | null = TEST_ADMIN): Promise<Answer> => callApi(api.url, 'GET', path, { auth });

  /** The admin's view of the log, narrowed by `q` (URL-encoded here), once the stream has been read. */
  async function entries(q: string, extra = ''): Promise<Item[]> {
    await streamConsumed(api.app, ['audit']);
    const answer = await call(`/audit-logs?page_size=100&q=${encodeURIComponent(q)}${extra}`);
    expect(answer.status).toBe(200);
    return answer.json as Item[];
  }

  const errorMessage = (answer: Answer): string => answer.json?.errors?.[0]?.message ?? '';

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment);
    worker = await startWorker(environment);
    client = new RegistryClient(api.url);
    const admin = (await api.app.get(UserService).findByName('admin'))!;
    const projects = api.app.get(ProjectService);
    const team = await projects.create({ project_name: 'team', public: false }, admin.user_id);
    teamId = team.project_id;
    await projects.create({ project_name: 'other', public: false }, admin.user_id);
    const members = api.app.get(MemberService);
    for (const [key, role] of [
      ['guest', ProjectRole.Guest],
      ['limited', ProjectRole.LimitedGuest],
      ['outsider', null],
    ] as const) {
      const user = await api.app.get(UserService).create({ username: users[key].username, password: PASSWORD, email: `${users[key].username}@example.com` });
      if (role !== null) await members.add(teamId, user.user_id, role);
    }
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  describe('/v2 operations', () => {
    it('logs a push as create, a GET as pull (not a HEAD) and a delete, with who, what and from where', async () => {
      pushed.v1 = (await client.pushImage('team/app', 'v1')).digest;
      expect((await client.fetch('/v2/team/app/manifests/v1')).status).toBe(200);
      expect((await client.fetch(`/v2/team/app/manifests/${pushed.v1}`)).status).toBe(200);
      expect((await client.fetch('/v2/team/app/manifests/v1', { method: 'HEAD' })).status).toBe(200);
      pushed.v2 = (await client.pushImage('team/app', 'v2', { config: { architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } } })).digest;
      expect((await client.fetch(`/v2/team/app/manifests/${pushed.v2}`, { method: 'DELETE' })).status).toBe(202);
      // a failed call is not an operation that happened
      expect((await client.fetch('/v2/team/app/manifests/missing')).status).toBe(404);

      const items = await entries('resource=~team/app');
      expect(items.map((item) => [item.operation, item.resource_type, item.resource])).toEqual([
        ['delete', 'artifact', `team/app@${pushed.v2}`],
        ['create', 'artifact', 'team/app:v2'],
        ['pull', 'artifact', `team/app@${pushed.v1}`],
        ['pull', 'artifact', 'team/app:v1'],
        ['create', 'artifact', 'team/app:v1'],
      ]);
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(['client_ip', 'id', 'op_time', 'operation', 'resource', 'resource_type', 'username']);
        expect(item.username).toBe('admin');
        expect(item.client_ip).toBe('127.0.0.1');
        expect(new Date(item.op_time).getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
        expect(new Date(item.op_time).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      }
      // and the user agent is kept (not part of Harbor's answer)
      const rows = await api.app.get(SqlClient).query<{ user_agent: string | null; project_id: number | null }>(`SELECT user_agent, project_id FROM audit_log WHERE resource LIKE 'team/app%'`);
      expect(rows).toHaveLength(5);
      expect(rows.every((row) => row.user_agent && row.project_id === teamId)).toBe(true);
    });

    it('logs deleting a tag as a tag, and records who the caller was', async () => {
      const guest = new RegistryClient(api.url, users.guest);
      expect((await guest.fetch('/v2/team/app/manifests/v1')).status).toBe(200);
      expect((await client.fetch('/v2/team/app/manifests/v1', { method: 'DELETE' })).status).toBe(202);
      const items = await entries('resource=team/app:v1');
      expect(items.slice(0, 2).map((item) => [item.username, item.operation, item.resource_type])).toEqual([
        ['admin', 'delete', 'tag'],
        [users.guest.username, 'pull', 'artifact'],
      ]);
    });
  });

  describe('GET /audit-logs', () => {
    beforeAll(async () => {
      // 25 entries written in one transaction, so with one time: the id breaks ties
      await api.app.get(SqlClient).transaction((tx) =>
        AuditTrail.write(
          tx,
          { username: 'pager-admin' },
          Array.from({ length: 25 }, (_, i) => ({ projectId: null, operation: 'update' as const, resourceType: 'user', resource: `pager-${String(i).padStart(2, '0')}` })),
        ),
      );
    });

    it('pages newest first with X-Total-Count and a Link header that keeps q', async () => {
      const q = encodeURIComponent('resource=~pager-');
      const first = await call(`/audit-logs?q=${q}&page=1&page_size=10`);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-total-count')).toBe('25');
      expect(first.json.map((item: Item) => item.resource)).toEqual(Array.from({ length: 10 }, (_, i) => `pager-${24 - i}`));
      const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '');
      expect(next).not.toBeNull();
      const nextUrl = new URL(next![1], api.url);
      expect(nextUrl.pathname).toBe('/api/v2.0/audit-logs');
      expect(Object.fromEntries(nextUrl.searchParams)).toEqual({ q: 'resource=~pager-', page: '2', page_size: '10' });

      const second = await call(`/audit-logs?q=${q}&page=2&page_size=10`);
      expect(second.json.map((item: Item) => item.resource)).toEqual(Array.from({ length: 10 }, (_, i) => `pager-${String(14 - i).padStart(2, '0')}`));
      const link = second.headers.get('link')!;
      expect(link).toContain(`page=1&page_size=10>; rel="prev"`);
      expect(link).toContain(`page=3&page_size=10>; rel="next"`);

      const last = await call(`/audit-logs?q=${q}&page=3&page_size=10`);
      expect(last.json.map((item: Item) => item.resource)).toEqual(['pager-04', 'pager-03', 'pager-02', 'pager-01', 'pager-00']);
      expect(last.headers.get('link')).not.toContain('rel="next"');
      // no client address known: the field is left out rather than null
      expect(last.json[0]).not.toHaveProperty('client_ip');

      const beyond = await call(`/audit-logs?q=${q}&page=9&page_size=10`);
      expect(beyond.json).toEqual([]);
      expect(beyond.headers.get('x-total-count')).toBe('25');
    });

    it('filters by operation, username (exact or fuzzy), resource type and resource', async () => {
      const pulls = await entries('operation=pull');
      expect(pulls.length).toBeGreaterThanOrEqual(3);
      expect(pulls.every((item) => item.operation === 'pull')).toBe(true);

      const fuzzy = await entries('username=~adm');
      expect(new Set(fuzzy.map((item) => item.username))).toEqual(new Set(['admin', 'pager-admin']));
      const caseless = await entries('username=~ADM');
      expect(caseless).toHaveLength(fuzzy.length);
      const exact = await entries('username=admin');
      expect(exact.length).toBeGreaterThan(0);
      expect(exact.every((item) => item.username === 'admin')).toBe(true);
      expect(await entries('username=adm')).toEqual([]);

      const tags = await entries('resource_type=tag');
      expect(tags.map((item) => item.resource)).toEqual(['team/app:v1']);
      const both = await entries('resource_type={tag artifact},operation={delete}');
      expect(both.map((item) => item.resource_type).sort()).toEqual(['artifact', 'tag']);

      const combined = await entries(`operation=pull,username=admin,resource=team/app@${pushed.v1}`);
      expect(combined).toHaveLength(1);
      // LIKE's own wildcards are matched literally
      expect(await entries('resource=~team_app')).toEqual([]);
    });

    it('filters by an op_time range of dates or date-times, open at either end', async () => {
      const pad = (n: number) => String(n).padStart(2, '0');
      const dateTime = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      const before = new Date(started.getTime() - 60_000);
      const after = new Date(Date.now() + 60_000);
      const all = await entries('resource=~pager-');
      expect(all).toHaveLength(25);
      expect(await entries(`resource=~pager-,op_time=[${dateTime(before)}~${dateTime(after)}]`)).toHaveLength(25);
      expect(await entries(`resource=~pager-,op_time=[${before.toISOString()}~${after.toISOString()}]`)).toHaveLength(25);
      expect(await entries(`resource=~pager-,op_time=[${dateTime(before)}~]`)).toHaveLength(25);
      expect(await entries(`resource=~pager-,op_time=[~${dateTime(before)}]`)).toHaveLength(0);
      expect(await entries(`resource=~pager-,op_time=[${dateTime(after)}~]`)).toHaveLength(0);
      expect(await entries('resource=~pager-,op_time=[2000-01-01~2000-12-31]')).toHaveLength(0);
      // a date alone as the upper bound means the whole of that day
      const today = new Date().toISOString().slice(0, 10);
      expect(await entries(`resource=~pager-,op_time=[${today}~${today}]`)).toHaveLength(25);
    });

    it('refuses unknown q keys (naming them) and malformed values with 400', async () => {
      const unknown = await call(`/audit-logs?q=${encodeURIComponent('colour=blue')}`);
      expect(unknown.status).toBe(400);
      expect(errorMessage(unknown)).toContain('colour');
      for (const q of [
        'op_time=[yesterday~today]',
        'op_time=2024-01-01',
        'op_time=[2024-02-30~2024-03-01]',
        'op_time=[2024-03-01~2024-02-01]',
        'op_time=[2024-01-01 25:00:00~2024-01-02]',
        'op_time=[2024-01-01~2024-01-02~2024-01-03]',
        'op_time=[~]',
        'operation=~pul',
        'username={a b}',
        'justtext',
      ]) {
        const answer = await call(`/audit-logs?q=${encodeURIComponent(q)}`);
        expect([q, answer.status]).toEqual([q, 400]);
        expect(answer.json.errors[0].code).toBe('BAD_REQUEST');
      }
      expect((await call('/audit-logs?page_size=101')).status).toBe(400);
      expect((await call('/audit-logs?page=0')).status).toBe(400);
      expect((await call('/audit-logs?colour=blue')).status).toBe(400);
    });

    it('is for system administrators only: 401 anonymous or with bad credentials, 403 for others', async () => {
      expect((await call('/audit-logs', null)).status).toBe(401);
      expect((await call('/audit-logs', { username: 'admin', password: 'wrong' })).status).toBe(401);
      const member = await call('/audit-logs', users.guest);
      expect(member.status).toBe(403);
      expect(member.json.errors[0].code).toBe('FORBIDDEN');
      expect((await call('/audit-logs', users.outsider)).status).toBe(403);
    });
  });

  describe('GET /projects/{project_name_or_id}/logs', () => {
    beforeAll(async () => {
      await client.pushImage('other/thing', 'latest');
      await streamConsumed(api.app, ['audit']);
    });

    it("shows only that project's entries, by name or by id", async () => {
      const byName = await call('/projects/team/logs?page_size=100');
      expect(byName.status).toBe(200);
      const resources = (byName.json as Item[]).map((item) => item.resource);
      expect(resources.length).toBe(7);
      expect(resources.every((resource) => resource.startsWith('team/app'))).toBe(true);
      expect(byName.headers.get('x-total-count')).toBe('7');

      const byId = await call(`/projects/${teamId}/logs?page_size=100`);
      expect(byId.json).toEqual(byName.json);

      const other = await call('/projects/other/logs');
      expect((other.json as Item[]).map((item) => [item.operation, item.resource])).toEqual([['create', 'other/thing:latest']]);

      const paged = await call(`/projects/team/logs?page=2&page_size=3&q=${encodeURIComponent('operation=pull')}`);
      expect(paged.headers.get('x-total-count')).toBe('3');
      expect(paged.json).toHaveLength(0);
      expect(paged.headers.get('link')).toContain('rel="prev"');
      expect((await call(`/projects/team/logs?q=${encodeURIComponent('colour=blue')}`)).status).toBe(400);
    });

    it('needs log:list in the project; callers who cannot see it get 404', async () => {
      const guest = await call('/projects/team/logs', users.guest);
      expect(guest.status).toBe(200);
      expect(guest.headers.get('x-total-count')).toBe('7');
      // a limited guest sees the project but not its logs
      expect((await call('/projects/team/logs', users.limited)).status).toBe(403);
      // the project's existence is not revealed
      const outsider = await call('/projects/team/logs', users.outsider);
      expect(outsider.status).toBe(404);
      expect((await call('/projects/nosuchproject/logs', users.outsider)).status).toBe(404);
      expect((await call(`/projects/${teamId}/logs`, users.outsider)).status).toBe(404);
      expect((await call('/projects/team/logs', null)).status).toBe(404);
      expect((await call('/projects/nosuchproject/logs')).status).toBe(404);
    });
  });

  describe('shutdown', () => {
    it('audits a pull made just before app.close(): the buffered pull event is written on the way out', async () => {
      expect((await client.fetch('/v2/other/thing/manifests/latest')).status).toBe(200);
      await api.close();
      api = await startApi(environment);
      await streamConsumed(api.app, ['audit']);
      const pulls = await call(`/projects/other/logs?q=${encodeURIComponent('operation=pull')}`);
      expect((pulls.json as Item[]).map((item) => item.resource)).toEqual(['other/thing:latest']);
    });
  });
});
