/**
 * Every role and kind of robot against every kind of management-API action (Basic auth, as
 * Harbor's API takes it). The project is private: callers with no right in it at all get 404
 * (its existence is not revealed), callers with some right but not this one 403, anonymous
 * callers of system-level endpoints 401.
 *
 * Users' rows list what their role allows. Robots' rows list what they were granted, and the
 * expectation follows from the rule robots live by: an action is allowed when the robot holds
 * every permission it needs (a robot it creates or refreshes may hold no more than itself),
 * except granting roles, which robots never do; system-level actions are for system admins.
 */
import { MemberService, ProjectRole, RESOURCE_ACTIONS, RobotService, UserService, type Permission, type RobotAccess } from '@wharf/iam';
import { SqlClient } from '@wharf/db';
import { ExecutionService } from '@wharf/jobs';
import { PreheatPolicyService } from '@wharf/preheat';
import { ProjectService } from '@wharf/projects';
import { RegistryService } from '@wharf/registries';
import { REPLICATION_VENDOR, ReplicationPolicyService, taskAttributesOf, type ReplicationItem } from '@wharf/replication';
import { portalLogin, sessionHeaders, type PortalSession } from '../support/portal-session';
import { RegistryClient } from '../support/registry-client';
import { TEST_ADMIN, basicAuth, type Credentials } from '../support/test-credentials';
import { createTestEnvironment, startApi, type RunningApi, type TestEnvironment } from '../support/wharf-app';

const PASSWORD = 'Matrix-Test-Pass-1';

interface ActionSpec {
  /**
   * what the caller needs in the project; 'sysadmin' for system-level endpoints; 'authenticated'
   * for those any user or robot may call (anonymous callers are asked to log in); 'anyone' for
   * those open to anonymous callers too
   */
  needs: Permission[] | 'sysadmin' | 'authenticated' | 'anyone';
  /** the status when allowed (delete project: 412, the project is not empty) */
  allowed: number;
  /** robots are refused whatever they hold: they never grant project roles */
  notForRobots?: true;
  /** what every robot gets, whatever it holds (robots cannot log in to the portal: 401) */
  robots?: number;
  /** not an /api/v2.0 call: not repeated with a portal session */
  portalSession?: true;
}

const ACTIONS = {
  'read project': { needs: ['project:read'], allowed: 200 },
  'update project': { needs: ['project:update'], allowed: 200 },
  summary: { needs: ['project:read'], allowed: 200 },
  'list members': { needs: ['member:list'], allowed: 200 },
  'add member': { needs: ['member:create'], allowed: 201, notForRobots: true },
  'change member role': { needs: ['member:update'], allowed: 200, notForRobots: true },
  'read logs': { needs: ['log:list'], allowed: 200 },
  'list metadata': { needs: ['metadata:list'], allowed: 200 },
  // the robot created or refreshed holds repository:pull: so must the caller
  'create robot': { needs: ['robot:create', 'repository:pull'], allowed: 201 },
  'list robots': { needs: ['robot:list'], allowed: 200 },
  'refresh robot secret': { needs: ['robot:update', 'repository:pull'], allowed: 200 },
  'list repositories': { needs: ['repository:list'], allowed: 200 },
  'list artifacts': { needs: ['artifact:list'], allowed: 200 },
  'list artifacts with scan overviews': { needs: ['artifact:list'], allowed: 200 },
  'read vulnerabilities': { needs: ['artifact:read'], allowed: 200 },
  'create tag': { needs: ['tag:create'], allowed: 201 },
  'delete tag': { needs: ['tag:delete'], allowed: 200 },
  'list labels': { needs: ['label:list'], allowed: 200 },
  'create label': { needs: ['label:create'], allowed: 201 },
  'list webhooks': { needs: ['notification-policy:list'], allowed: 200 },
  'create webhook': { needs: ['notification-policy:create'], allowed: 201 },
  // its target is on the local network, which webhooks may not reach: an allowed test answers 400 with the reason
  'test webhook': { needs: ['notification-policy:create'], allowed: 400 },
  // no such policy: an allowed retry answers 404
  'retry webhook execution': { needs: ['notification-policy:update'], allowed: 404 },
  'list immutable rules': { needs: ['immutable-tag:list'], allowed: 200 },
  'create immutable rule': { needs: ['immutable-tag:create'], allowed: 201 },
  // Harbor's preheat-policy: project admins (and robots granted it) only
  'list preheat policies': { needs: ['preheat-policy:list'], allowed: 200 },
  'read preheat policy': { needs: ['preheat-policy:read'], allowed: 200 },
  'create preheat policy': { needs: ['preheat-policy:create'], allowed: 201 },
  'update preheat policy': { needs: ['preheat-policy:update'], allowed: 200 },
  'delete preheat policy': { needs: ['preheat-policy:delete'], allowed: 200 },
  'run preheat policy': { needs: ['preheat-policy:update'], allowed: 201 },
  'preview preheat policy': { needs: ['preheat-policy:read'], allowed: 200 },
  'list preheat executions': { needs: ['preheat-policy:read'], allowed: 200 },
  'read preheat execution': { needs: ['preheat-policy:read'], allowed: 200 },
  // the execution has ended: an allowed stop answers 412
  'stop preheat execution': { needs: ['preheat-policy:update'], allowed: 412 },
  'list preheat tasks': { needs: ['preheat-policy:read'], allowed: 200 },
  'read preheat task log': { needs: ['preheat-policy:read'], allowed: 200 },
  'list preheat providers of the project': { needs: ['preheat-policy:read'], allowed: 200 },
  'list retention policies': { needs: ['tag-retention:list'], allowed: 200 },
  'read retention policy': { needs: ['tag-retention:read'], allowed: 200 },
  'create retention policy': { needs: ['tag-retention:create'], allowed: 201 },
  'update retention policy': { needs: ['tag-retention:update'], allowed: 200 },
  'run retention policy': { needs: ['tag-retention:operate'], allowed: 201 },
  'list retention executions': { needs: ['tag-retention:list'], allowed: 200 },
  // Harbor's scanner resource: every role reads the project's scanner, project admins choose it
  'read project scanner': { needs: ['scanner:read'], allowed: 200 },
  'list scanner candidates': { needs: ['scanner:create'], allowed: 200 },
  // the matrix's default scanner takes the scan (202; no worker runs it)...
  'scan artifact': { needs: ['scan:create'], allowed: 202 },
  // ...and the caller's stop ends it while it is still pending
  'stop artifact scan': { needs: ['scan:stop'], allowed: 202 },
  'delete project': { needs: ['project:delete'], allowed: 412 },
  'check project deletable': { needs: ['project:delete'], allowed: 200 },
  // Harbor 2.0's project robot API
  'list project robots (v1)': { needs: ['robot:list'], allowed: 200 },
  'read project robot (v1)': { needs: ['robot:read'], allowed: 200 },
  'create project robot (v1)': { needs: ['robot:create', 'repository:pull'], allowed: 201 },
  'disable project robot (v1)': { needs: ['robot:update', 'repository:pull'], allowed: 200 },
  'delete project robot (v1)': { needs: ['robot:delete', 'repository:pull'], allowed: 200 },
  'list users': { needs: 'sysadmin', allowed: 200 },
  'read storage volumes': { needs: 'sysadmin', allowed: 200 },
  'list quotas': { needs: 'sysadmin', allowed: 200 },
  'read quota': { needs: 'sysadmin', allowed: 200 },
  'update quota': { needs: 'sysadmin', allowed: 200 },
  'read statistics': { needs: 'authenticated', allowed: 200 },
  'list own permissions': { needs: 'authenticated', allowed: 200 },
  'list grantable permissions': { needs: 'authenticated', allowed: 200 },
  ping: { needs: 'anyone', allowed: 200 },
  'read system info': { needs: 'anyone', allowed: 200 },
  search: { needs: 'anyone', allowed: 200 },
  'list all repositories': { needs: 'anyone', allowed: 200 },
  'read audit log': { needs: 'sysadmin', allowed: 200 },
  'create project': { needs: 'sysadmin', allowed: 201 },
  'set default quota': { needs: 'sysadmin', allowed: 200 },
  'allow webhooks to the local network': { needs: 'sysadmin', allowed: 200 },
  // any user reads it (projects reuse it); robots are refused as for every system-level endpoint
  'read system CVE allowlist': { needs: 'sysadmin', allowed: 200 },
  'update system CVE allowlist': { needs: 'sysadmin', allowed: 200 },
  'list registries': { needs: 'sysadmin', allowed: 200 },
  'read gc schedule': { needs: 'sysadmin', allowed: 200 },
  'list replication policies': { needs: 'sysadmin', allowed: 200 },
  'create replication policy': { needs: 'sysadmin', allowed: 201 },
  'read replication policy': { needs: 'sysadmin', allowed: 200 },
  'update replication policy': { needs: 'sysadmin', allowed: 200 },
  'delete replication policy': { needs: 'sysadmin', allowed: 200 },
  'start replication': { needs: 'sysadmin', allowed: 201 },
  'list replication executions': { needs: 'sysadmin', allowed: 200 },
  'read replication execution': { needs: 'sysadmin', allowed: 200 },
  'stop replication execution': { needs: 'sysadmin', allowed: 200 },
  'list replication tasks': { needs: 'sysadmin', allowed: 200 },
  'read replication task log': { needs: 'sysadmin', allowed: 200 },
  'read registry info': { needs: 'sysadmin', allowed: 200 },
  'list preheat providers': { needs: 'sysadmin', allowed: 200 },
  'list preheat instances': { needs: 'sysadmin', allowed: 200 },
  'create preheat instance': { needs: 'sysadmin', allowed: 201 },
  'read preheat instance': { needs: 'sysadmin', allowed: 200 },
  'update preheat instance': { needs: 'sysadmin', allowed: 200 },
  // a policy uses it: an allowed delete answers 412
  'delete preheat instance': { needs: 'sysadmin', allowed: 412 },
  // its endpoint does not answer: an allowed ping answers 400 with the reason
  'ping preheat instance': { needs: 'sysadmin', allowed: 400 },
  'list scanners': { needs: 'sysadmin', allowed: 200 },
  // nothing answers at the url: an allowed ping answers 400 with the reason
  'ping scanner': { needs: 'sysadmin', allowed: 400 },
  'read scan-all schedule': { needs: 'sysadmin', allowed: 200 },
  'read scan-all metrics': { needs: 'sysadmin', allowed: 200 },
  // no scan all runs: an allowed stop answers 412
  'stop scan all': { needs: 'sysadmin', allowed: 412 },
  // the web portal's session endpoints: users log in with their password, robots never do
  'log in to the portal': { needs: 'authenticated', allowed: 200, robots: 401, portalSession: true },
  'log out of the portal': { needs: 'anyone', allowed: 200, portalSession: true },
} satisfies Record<string, ActionSpec>;

type ActionName = keyof typeof ACTIONS;
const spec = (action: ActionName): ActionSpec => ACTIONS[action];
const PROJECT_ACTIONS = (Object.keys(ACTIONS) as ActionName[]).filter((a) => Array.isArray(spec(a).needs));
const SYSTEM_ACTIONS = (Object.keys(ACTIONS) as ActionName[]).filter((a) => !Array.isArray(spec(a).needs));

interface UserCaller {
  name: string;
  credentials: Credentials | null;
  /** project actions allowed; the rest answer `otherwise` */
  allowed: ActionName[];
  otherwise: 403 | 404;
  /** answers that differ from `otherwise` for particular actions */
  exceptions?: Partial<Record<ActionName, number>>;
  /** system actions allowed; the rest answer 401 (anonymous) or 403 */
  system: ActionName[];
}

interface RobotCaller {
  name: string;
  credentials: Credentials;
  /** what it holds in the project under test (none: a robot of another project) */
  holds: Permission[];
}

const LIMITED_GUEST: ActionName[] = ['read project', 'summary', 'list metadata', 'list repositories', 'list artifacts', 'list artifacts with scan overviews', 'read vulnerabilities', 'list labels', 'read project scanner'];
const GUEST: ActionName[] = [...LIMITED_GUEST, 'list members', 'read logs', 'list robots', 'list project robots (v1)', 'read project robot (v1)'];
// Harbor lets developers manage retention too; here they only read it (a run deletes, and they may not)
const DEVELOPER: ActionName[] = [...GUEST, 'create tag', 'list retention policies', 'read retention policy', 'list retention executions'];
const MAINTAINER: ActionName[] = [...DEVELOPER, 'delete tag', 'create label', 'list webhooks', 'list immutable rules', 'create retention policy', 'update retention policy', 'run retention policy', 'scan artifact', 'stop artifact scan'];

const ALL: Permission[] = Object.entries(RESOURCE_ACTIONS).flatMap(([resource, actions]) => actions.map((action) => `${resource}:${action}` as Permission));
const accessOf = (permissions: Permission[]): RobotAccess[] => permissions.map((p) => ({ resource: p.split(':')[0], action: p.split(':')[1] }));

describe('management API permission matrix', () => {
  let environment: TestEnvironment;
  let api: RunningApi;
  let projectId: number;
  let targetMemberId: number;
  let targetRobotId: number;
  let registryId: number;
  let policyId: number;
  let replicationExecutionId: number;
  let replicationTaskId: number;
  let preheatInstanceId: number;
  let idleExecutionId: number;
  let taskExecutionId: number;
  let taskId: number;
  const users: UserCaller[] = [];
  const robots: RobotCaller[] = [];
  let sequence = 0;

  beforeAll(async () => {
    environment = await createTestEnvironment('filesystem');
    api = await startApi(environment);
    const userService = api.app.get(UserService);
    const members = api.app.get(MemberService);
    const projects = api.app.get(ProjectService);
    const robotService = api.app.get(RobotService);
    const owner = (await userService.findByName('admin'))!;
    const project = await projects.create({ project_name: 'matrix', public: false }, owner.user_id);
    projectId = project.project_id;
    await projects.create({ project_name: 'elsewhere', public: false }, owner.user_id);
    // not empty, so an allowed delete answers 412 and the matrix can go on
    await new RegistryClient(api.url).pushImage('matrix/app', 'v1', { layers: 1 });
    // a default scanner, so an allowed vulnerabilities read answers 200 (none would answer 404)
    await api.app.get(SqlClient).query(`INSERT INTO scanner_registration (uuid, name, url, is_default)
       SELECT gen_random_uuid()::text, 'matrix-scanner', 'http://127.0.0.1:5998', true WHERE NOT EXISTS (SELECT 1 FROM scanner_registration WHERE is_default)`);
    const target = await userService.create({ username: 'target', password: PASSWORD });
    targetMemberId = (await members.add(projectId, target.user_id, ProjectRole.Guest)).id;
    targetRobotId = (await robotService.create({ name: 'target', level: 'project', project: { id: projectId, name: 'matrix' }, duration: -1, permissions: [{ kind: 'project', namespace: 'matrix', access: accessOf(['repository:pull']) }] }, 'admin')).robot.id;

    // replication: an endpoint, an enabled push-based policy and an execution with a task (no worker runs here)
    registryId = (await api.app.get(RegistryService).create({ name: 'matrix-destination', type: 'docker-registry', url: 'http://127.0.0.1:5999' })).id;
    policyId = (await api.app.get(ReplicationPolicyService).create({ name: 'matrix-policy', destRegistryId: registryId, enabled: true }, 'admin')).id;
    const item: ReplicationItem = {
      operation: 'copy', source: { side: { kind: 'local' }, repository: 'matrix/app', digest: 'sha256:0', tags: ['v1'] },
      destination: { side: { kind: 'remote', registryId }, repository: 'matrix/app', tags: ['v1'] }, override: false, copyByChunk: false, speedKiBps: null,
    };
    const replication = await api.app.get(ExecutionService).create({ vendorType: REPLICATION_VENDOR, vendorId: policyId, tasks: [taskAttributesOf(item, true, false) as unknown as Record<string, unknown>] });
    [replicationExecutionId, replicationTaskId] = [replication.executionId, replication.taskIds[0]];
    // preheat: an instance (unreachable), a policy selecting nothing (its run ended), one selecting app:v1 (its task stays pending: no worker here)
    const admin = { 'content-type': 'application/json', authorization: basicAuth(TEST_ADMIN) };
    const adminCall = (method: string, path: string, body?: unknown) => fetch(`${api.url}/api/v2.0${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await adminCall('POST', '/p2p/preheat/instances', { name: 'matrix-df', vendor: 'dragonfly', endpoint: 'http://127.0.0.1:1', auth_mode: 'NONE' })).status).toBe(201);
    preheatInstanceId = ((await (await adminCall('GET', '/p2p/preheat/instances/matrix-df')).json()) as { id: number }).id;
    for (const [name, repository] of [['idle', 'nothing'], ['tasked', 'app']]) {
      expect((await adminCall('POST', '/projects/matrix/preheat/policies', { name, provider_id: preheatInstanceId, filters: JSON.stringify([{ type: 'repository', value: repository }]), trigger: '{"type":"manual"}', enabled: true })).status).toBe(201);
    }
    idleExecutionId = Number((await adminCall('POST', '/projects/matrix/preheat/policies/idle', {})).headers.get('location')!.split('/').pop());
    taskExecutionId = Number((await adminCall('POST', '/projects/matrix/preheat/policies/tasked', {})).headers.get('location')!.split('/').pop());
    taskId = ((await (await adminCall('GET', `/projects/matrix/preheat/policies/tasked/executions/${taskExecutionId}/tasks`)).json()) as { id: number }[])[0].id;

    const user = async (name: string, role?: (typeof ProjectRole)[keyof typeof ProjectRole], sysadmin = false): Promise<Credentials> => {
      const created = await userService.create({ username: name, password: PASSWORD, email: `${name}@example.com` }, { sysadmin });
      if (role) await members.add(projectId, created.user_id, role);
      return { username: name, password: PASSWORD };
    };
    const systemRobot = async (name: string, namespace: string, permissions: Permission[]): Promise<Credentials> => {
      const created = await robotService.create({ name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace, access: accessOf(permissions) }] }, 'admin');
      return { username: created.robot.name, password: created.secret };
    };
    const projectRobot = async (name: string, permissions: Permission[]): Promise<Credentials> => {
      const created = await robotService.create(
        { name, level: 'project', project: { id: projectId, name: 'matrix' }, duration: -1, permissions: [{ kind: 'project', namespace: 'matrix', access: accessOf(permissions) }] },
        'admin',
      );
      return { username: created.robot.name, password: created.secret };
    };
    const userSystem: ActionName[] = ['create project', 'read system CVE allowlist'];

    users.push(
      // /robots is not under the project's path: anonymous callers are asked to log in there
      { name: 'anonymous', credentials: null, allowed: [], otherwise: 404, exceptions: { 'create robot': 401, 'list robots': 401, 'refresh robot secret': 401 }, system: [] },
      { name: 'non-member', credentials: await user('outsider'), allowed: [], otherwise: 404, system: userSystem },
      { name: 'limitedGuest', credentials: await user('limited', ProjectRole.LimitedGuest), allowed: LIMITED_GUEST, otherwise: 403, system: userSystem },
      { name: 'guest', credentials: await user('guest', ProjectRole.Guest), allowed: GUEST, otherwise: 403, system: userSystem },
      { name: 'developer', credentials: await user('developer', ProjectRole.Developer), allowed: DEVELOPER, otherwise: 403, system: userSystem },
      { name: 'maintainer', credentials: await user('maintainer', ProjectRole.Maintainer), allowed: MAINTAINER, otherwise: 403, system: userSystem },
      { name: 'projectAdmin', credentials: await user('padmin', ProjectRole.ProjectAdmin), allowed: PROJECT_ACTIONS, otherwise: 403, system: userSystem },
      { name: 'system admin', credentials: await user('root2', undefined, true), allowed: PROJECT_ACTIONS, otherwise: 403, system: SYSTEM_ACTIONS },
    );

    const robot = async (name: string, kind: 'system' | 'project', permissions: Permission[], namespace = 'matrix'): Promise<RobotCaller> => ({
      name,
      credentials: kind === 'system' ? await systemRobot(name.replace(/[^a-z]+/g, '-'), namespace, permissions) : await projectRobot(name.replace(/[^a-z]+/g, '-'), permissions),
      holds: namespace === 'elsewhere' ? [] : permissions,
    });
    robots.push(
      await robot('system robot with pull only', 'system', ['repository:pull']),
      await robot('system robot auditing', 'system', ['member:list', 'log:list', 'project:read']),
      await robot('system robot with project update', 'system', ['project:update']),
      await robot('system robot for another project', 'system', ['project:read', 'member:list', 'robot:create', 'repository:pull'], 'elsewhere'),
      await robot('system robot for every project', 'system', ALL, '*'),
      await robot('project robot narrow', 'project', ['project:read', 'repository:list', 'artifact:list', 'tag:list', 'label:list', 'robot:update']),
      await robot('project robot managing', 'project', ['project:read', 'repository:pull', 'robot:create', 'robot:list', 'robot:update', 'member:create', 'member:update', 'tag:create']),
      await robot('project robot broad', 'project', ALL),
      await robot('project robot reading preheat policies', 'project', ['preheat-policy:list', 'preheat-policy:read']),
    );
  });

  afterAll(async () => {
    await api?.close();
    await environment?.close();
  });

  /** The status `action` gets, asked with Basic credentials, or with a portal session (its cookies and CSRF token) when given. */
  async function perform(action: ActionName, credentials: Credentials | null, session?: PortalSession): Promise<number> {
    sequence += 1;
    const auth = session ? sessionHeaders(session) : credentials ? { authorization: basicAuth(credentials) } : {};
    const headers: Record<string, string> = { 'content-type': 'application/json', ...auth };
    const call = async (method: string, path: string, body?: unknown): Promise<number> => {
      const response = await fetch(`${api.url}/api/v2.0${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      await response.arrayBuffer();
      return response.status;
    };
    const artifacts = '/projects/matrix/repositories/app/artifacts';
    switch (action) {
      case 'read project':
        return call('GET', '/projects/matrix');
      case 'update project':
        return call('PUT', '/projects/matrix', { metadata: { auto_scan: sequence % 2 ? 'true' : 'false' } });
      case 'summary':
        return call('GET', '/projects/matrix/summary');
      case 'list members':
        return call('GET', '/projects/matrix/members');
      case 'add member': {
        const newcomer = await api.app.get(UserService).create({ username: `newcomer${sequence}`, password: PASSWORD });
        return call('POST', '/projects/matrix/members', { role_id: 3, member_user: { user_id: newcomer.user_id } });
      }
      case 'change member role':
        return call('PUT', `/projects/matrix/members/${targetMemberId}`, { role_id: sequence % 2 ? ProjectRole.LimitedGuest : ProjectRole.Guest });
      case 'read logs':
        return call('GET', '/projects/matrix/logs');
      case 'list metadata':
        return call('GET', '/projects/matrix/metadatas');
      case 'create robot':
        return call('POST', '/robots', { name: `bot${sequence}`, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'matrix', access: accessOf(['repository:pull']) }] });
      case 'list robots':
        return call('GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${projectId}`)}`);
      case 'refresh robot secret':
        return call('PATCH', `/robots/${targetRobotId}`, {});
      case 'list repositories':
        return call('GET', '/projects/matrix/repositories');
      case 'list artifacts':
        return call('GET', artifacts);
      case 'list artifacts with scan overviews':
        return call('GET', `${artifacts}?with_scan_overview=true&with_sbom_overview=true`);
      case 'read vulnerabilities':
        return call('GET', `${artifacts}/v1/additions/vulnerabilities`);
      case 'create tag':
        return call('POST', `${artifacts}/v1/tags`, { name: `created-${sequence}` });
      case 'delete tag': {
        await fetch(`${api.url}/api/v2.0${artifacts}/v1/tags`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth(TEST_ADMIN) }, body: JSON.stringify({ name: `doomed-${sequence}` }) });
        return call('DELETE', `${artifacts}/v1/tags/doomed-${sequence}`);
      }
      case 'list labels':
        return call('GET', `/labels?scope=p&project_id=${projectId}`);
      case 'create label':
        return call('POST', '/labels', { name: `label-${sequence}`, scope: 'p', project_id: projectId });
      case 'list webhooks':
        return call('GET', '/projects/matrix/webhook/policies');
      case 'create webhook':
        return call('POST', '/projects/matrix/webhook/policies', {
          name: `hook-${sequence}`,
          targets: [{ type: 'http', address: 'https://93.184.215.14/hook', skip_cert_verify: false }],
          event_types: ['PUSH_ARTIFACT'],
          enabled: false,
        });
      case 'test webhook':
        return call('POST', '/projects/matrix/webhook/policies/test', { targets: [{ type: 'http', address: 'http://127.0.0.1:9/hook' }] });
      case 'retry webhook execution':
        return call('POST', '/projects/matrix/webhook/policies/999999/executions/999999/retry');
      case 'list immutable rules':
        return call('GET', '/projects/matrix/immutabletagrules');
      case 'create immutable rule':
        return call('POST', '/projects/matrix/immutabletagrules', {
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: `never-${sequence}-*` }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
          disabled: false,
          action: 'immutable',
          template: 'immutable_template',
        });
      case 'list preheat policies':
        return call('GET', '/projects/matrix/preheat/policies');
      case 'read preheat policy':
        return call('GET', '/projects/matrix/preheat/policies/idle');
      case 'create preheat policy':
        return call('POST', '/projects/matrix/preheat/policies', { name: `preheat-${sequence}`, provider_id: preheatInstanceId, filters: '[]', trigger: '{"type":"manual"}', enabled: false });
      case 'update preheat policy':
        return call('PUT', '/projects/matrix/preheat/policies/idle', { name: 'idle', provider_id: preheatInstanceId, filters: '[{"type":"repository","value":"nothing"}]', trigger: '{"type":"manual"}', enabled: true });
      case 'delete preheat policy': {
        await api.app.get(PreheatPolicyService).create(projectId, { name: `doomed-${sequence}`, provider_id: preheatInstanceId }, 'admin');
        return call('DELETE', `/projects/matrix/preheat/policies/doomed-${sequence}`);
      }
      case 'run preheat policy':
        return call('POST', '/projects/matrix/preheat/policies/idle', {});
      case 'preview preheat policy':
        return call('GET', '/projects/matrix/preheat/policies/tasked/preview');
      case 'list preheat executions':
        return call('GET', '/projects/matrix/preheat/policies/idle/executions');
      case 'read preheat execution':
        return call('GET', `/projects/matrix/preheat/policies/idle/executions/${idleExecutionId}`);
      case 'stop preheat execution':
        return call('PATCH', `/projects/matrix/preheat/policies/idle/executions/${idleExecutionId}`, { status: 'Stopped' });
      case 'list preheat tasks':
        return call('GET', `/projects/matrix/preheat/policies/tasked/executions/${taskExecutionId}/tasks`);
      case 'read preheat task log':
        return call('GET', `/projects/matrix/preheat/policies/tasked/executions/${taskExecutionId}/tasks/${taskId}/logs`);
      case 'list preheat providers of the project':
        return call('GET', '/projects/matrix/preheat/providers');
      case 'list retention policies':
        return call('GET', `/retentions?project_id=${projectId}`);
      case 'read retention policy':
        return call('GET', `/retentions/${await retentionPolicy()}`);
      case 'create retention policy': {
        // one policy per project: the admin removes the current one first
        await asAdmin('DELETE', `/retentions/${await retentionPolicy()}`);
        return call('POST', '/retentions', retentionBody(sequence));
      }
      case 'update retention policy':
        return call('PUT', `/retentions/${await retentionPolicy()}`, retentionBody(sequence));
      case 'run retention policy':
        return call('POST', `/retentions/${await retentionPolicy()}/executions`, { dry_run: true });
      case 'list retention executions':
        return call('GET', `/retentions/${await retentionPolicy()}/executions`);
      case 'read project scanner':
        return call('GET', '/projects/matrix/scanner');
      case 'list scanner candidates':
        return call('GET', '/projects/matrix/scanner/candidates');
      case 'scan artifact':
        return call('POST', `${artifacts}/v1/scan`, {});
      case 'stop artifact scan':
        return call('POST', `${artifacts}/v1/scan/stop`, { scan_type: 'vulnerability' });
      case 'list scanners':
        return call('GET', '/scanners');
      case 'ping scanner':
        return call('POST', '/scanners/ping', { url: 'http://127.0.0.1:1' });
      case 'read scan-all schedule':
        return call('GET', '/system/scanAll/schedule');
      case 'read scan-all metrics':
        return call('GET', '/scans/all/metrics');
      case 'stop scan all':
        return call('POST', '/system/scanAll/stop');
      case 'delete project':
        return call('DELETE', '/projects/matrix');
      case 'check project deletable':
        return call('GET', '/projects/matrix/_deletable');
      case 'list project robots (v1)':
        return call('GET', '/projects/matrix/robots');
      case 'read project robot (v1)':
        return call('GET', `/projects/matrix/robots/${targetRobotId}`);
      case 'create project robot (v1)':
        return call('POST', `/projects/${projectId}/robots`, { name: `v1bot${sequence}`, access: [{ resource: `/project/${projectId}/repository`, action: 'pull' }] });
      case 'disable project robot (v1)':
        return call('PUT', `/projects/matrix/robots/${targetRobotId}`, { disabled: false });
      case 'delete project robot (v1)': {
        const doomed = await api.app.get(RobotService).create(
          { name: `doomed${sequence}`, level: 'project', project: { id: projectId, name: 'matrix' }, duration: -1, permissions: [{ kind: 'project', namespace: 'matrix', access: accessOf(['repository:pull']) }] },
          'admin',
        );
        return call('DELETE', `/projects/matrix/robots/${doomed.robot.id}`);
      }
      case 'read storage volumes':
        return call('GET', '/systeminfo/volumes');
      case 'list quotas':
        return call('GET', `/quotas?reference=project&reference_id=${projectId}`);
      case 'read quota':
        return call('GET', `/quotas/${projectId}`);
      case 'update quota':
        return call('PUT', `/quotas/${projectId}`, { hard: { storage: -1 } });
      case 'read statistics':
        return call('GET', '/statistics');
      case 'list own permissions':
        return call('GET', `/users/current/permissions?scope=/project/${projectId}&relative=true`);
      case 'list grantable permissions':
        return call('GET', '/permissions');
      case 'ping':
        return call('GET', '/ping');
      case 'read system info':
        return call('GET', '/systeminfo');
      case 'search':
        return call('GET', '/search?q=matrix');
      case 'list all repositories':
        return call('GET', '/repositories');
      case 'list users':
        return call('GET', '/users');
      case 'read audit log':
        return call('GET', '/audit-logs');
      case 'create project':
        return call('POST', '/projects', { project_name: `created-${sequence}` });
      case 'set default quota':
        return call('PUT', '/configurations', { storage_per_project: -1 });
      case 'allow webhooks to the local network':
        return call('PUT', '/configurations', { webhook_allow_local_network: false });
      case 'read system CVE allowlist':
        return call('GET', '/system/CVEAllowlist');
      case 'update system CVE allowlist':
        return call('PUT', '/system/CVEAllowlist', { items: [{ cve_id: `CVE-2024-${1000 + sequence}` }] });
      case 'list registries':
        return call('GET', '/registries');
      case 'read gc schedule':
        return call('GET', '/system/gc/schedule');
      case 'list replication policies':
        return call('GET', '/replication/policies');
      case 'create replication policy':
        return call('POST', '/replication/policies', { name: `policy-${sequence}`, dest_registry: { id: registryId } });
      case 'read replication policy':
        return call('GET', `/replication/policies/${policyId}`);
      case 'update replication policy':
        return call('PUT', `/replication/policies/${policyId}`, { name: 'matrix-policy', dest_registry: { id: registryId }, enabled: true, description: `update ${sequence}` });
      case 'delete replication policy': {
        const doomed = await api.app.get(ReplicationPolicyService).create({ name: `doomed-policy-${sequence}`, destRegistryId: registryId }, 'admin');
        return call('DELETE', `/replication/policies/${doomed.id}`);
      }
      case 'start replication':
        return call('POST', '/replication/executions', { policy_id: policyId });
      case 'list replication executions':
        return call('GET', `/replication/executions?policy_id=${policyId}`);
      case 'read replication execution':
        return call('GET', `/replication/executions/${replicationExecutionId}`);
      case 'stop replication execution':
        return call('PUT', `/replication/executions/${replicationExecutionId}`);
      case 'list replication tasks':
        return call('GET', `/replication/executions/${replicationExecutionId}/tasks`);
      case 'read replication task log':
        return call('GET', `/replication/executions/${replicationExecutionId}/tasks/${replicationTaskId}/log`);
      case 'read registry info':
        return call('GET', `/registries/${registryId}/info`);
      case 'list preheat providers':
        return call('GET', '/p2p/preheat/providers');
      case 'list preheat instances':
        return call('GET', '/p2p/preheat/instances');
      case 'create preheat instance':
        return call('POST', '/p2p/preheat/instances', { name: `instance-${sequence}`, vendor: 'kraken', endpoint: 'http://127.0.0.1:1' });
      case 'read preheat instance':
        return call('GET', '/p2p/preheat/instances/matrix-df');
      case 'update preheat instance':
        return call('PUT', '/p2p/preheat/instances/matrix-df', { name: 'matrix-df', vendor: 'dragonfly', endpoint: 'http://127.0.0.1:1', auth_mode: 'NONE' });
      case 'delete preheat instance':
        return call('DELETE', '/p2p/preheat/instances/matrix-df');
      case 'ping preheat instance':
        return call('POST', '/p2p/preheat/instances/ping', { id: preheatInstanceId });
      case 'log in to the portal':
        return (await portalLogin(api.url, credentials ?? { username: 'nobody-at-all', password: PASSWORD })).status;
      case 'log out of the portal': {
        const response = await fetch(`${api.url}/c/log_out`, { headers });
        await response.arrayBuffer();
        return response.status;
      }
    }
  }

  const asAdmin = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${api.url}/api/v2.0${path}`, { method, headers: { 'content-type': 'application/json', authorization: basicAuth(TEST_ADMIN) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const retentionBody = (n: number) => ({
    algorithm: 'or',
    rules: [{ action: 'retain', template: 'latestPushedK', params: { latestPushedK: 100 + n }, tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }], scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: 'nothing-here' }] } }],
    trigger: { kind: 'Schedule', settings: {} },
    scope: { level: 'project', ref: projectId },
  });
  /** The project's retention policy, created by the admin when there is none (a retention action needs one to act on). */
  async function retentionPolicy(): Promise<number> {
    const listed = (await (await asAdmin('GET', `/retentions?project_id=${projectId}`)).json()) as { id: number }[];
    if (listed[0]) return listed[0].id;
    const created = await asAdmin('POST', '/retentions', retentionBody(0));
    return Number(created.headers.get('location')!.split('/').pop());
  }

  /** What the robot rule says a robot gets for an action. */
  function robotExpectation(robot: RobotCaller, action: ActionName): number {
    const { needs, allowed, notForRobots, robots: forEveryRobot } = spec(action);
    if (forEveryRobot !== undefined) return forEveryRobot;
    if (needs === 'authenticated' || needs === 'anyone') return allowed;
    if (needs === 'sysadmin') return 403;
    // holding nothing in a private project: it stays hidden
    if (robot.holds.length === 0) return 404;
    if (notForRobots) return 403;
    return needs.every((p) => robot.holds.includes(p)) ? allowed : 403;
  }

  it('answers every role and project action as the permission model says', async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const caller of users) {
      for (const action of PROJECT_ACTIONS) {
        actual.push(`${caller.name} / ${action}: ${await perform(action, caller.credentials)}`);
        expected.push(`${caller.name} / ${action}: ${caller.allowed.includes(action) ? spec(action).allowed : (caller.exceptions?.[action] ?? caller.otherwise)}`);
      }
    }
    expect(actual).toEqual(expected);
  });

  it('answers every role and system action as the permission model says', async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const caller of users) {
      for (const action of SYSTEM_ACTIONS) {
        actual.push(`${caller.name} / ${action}: ${await perform(action, caller.credentials)}`);
        const { needs, allowed } = spec(action);
        const open = needs === 'anyone' || (needs === 'authenticated' && caller.credentials !== null);
        expected.push(`${caller.name} / ${action}: ${open || caller.system.includes(action) ? allowed : caller.credentials ? 403 : 401}`);
      }
    }
    expect(actual).toEqual(expected);
  });

  it("answers a user's portal session (its cookie, CSRF token echoed) as it answers the user's Basic credentials", async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const caller of users.filter((user) => user.credentials !== null)) {
      const login = await portalLogin(api.url, caller.credentials!);
      expect(login.status).toBe(200);
      for (const action of PROJECT_ACTIONS.filter((a) => !spec(a).portalSession)) {
        actual.push(`${caller.name} / ${action}: ${await perform(action, null, login.session)}`);
        expected.push(`${caller.name} / ${action}: ${caller.allowed.includes(action) ? spec(action).allowed : (caller.exceptions?.[action] ?? caller.otherwise)}`);
      }
      for (const action of SYSTEM_ACTIONS.filter((a) => !spec(a).portalSession)) {
        actual.push(`${caller.name} / ${action}: ${await perform(action, null, login.session)}`);
        const { needs, allowed } = spec(action);
        expected.push(`${caller.name} / ${action}: ${needs === 'anyone' || needs === 'authenticated' || caller.system.includes(action) ? allowed : 403}`);
      }
    }
    expect(actual).toEqual(expected);
  });

  it('answers every robot and action as the robot rule says', async () => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const robot of robots) {
      for (const action of [...PROJECT_ACTIONS, ...SYSTEM_ACTIONS]) {
        actual.push(`${robot.name} / ${action}: ${await perform(action, robot.credentials)}`);
        expected.push(`${robot.name} / ${action}: ${robotExpectation(robot, action)}`);
      }
    }
    expect(actual).toEqual(expected);
  });
});
