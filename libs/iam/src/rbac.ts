/**
 * The permission vocabulary, after Harbor's RBAC: a permission is `<resource>:<action>` inside a
 * project. Project roles map to fixed sets (Harbor's role ids); robots carry explicit lists;
 * a public project grants its read set to everyone, anonymous callers included.
 */
export const ProjectRole = {
  ProjectAdmin: 1,
  Developer: 2,
  Guest: 3,
  Maintainer: 4,
  LimitedGuest: 5,
} as const;
export type ProjectRoleId = (typeof ProjectRole)[keyof typeof ProjectRole];

export const ROLE_NAMES: Record<ProjectRoleId, string> = {
  1: 'projectAdmin',
  2: 'developer',
  3: 'guest',
  4: 'maintainer',
  5: 'limitedGuest',
};

/** Every resource and the actions it knows; robots may be given any of these pairs. */
export const RESOURCE_ACTIONS = {
  project: ['read', 'update', 'delete'],
  metadata: ['read', 'list', 'create', 'update', 'delete'],
  member: ['read', 'list', 'create', 'update', 'delete'],
  log: ['list'],
  quota: ['read'],
  label: ['read', 'list', 'create', 'update', 'delete'],
  repository: ['read', 'list', 'update', 'delete', 'pull', 'push'],
  artifact: ['read', 'list', 'create', 'delete'],
  tag: ['list', 'create', 'delete'],
  'artifact-label': ['create', 'delete'],
  robot: ['read', 'list', 'create', 'update', 'delete'],
  scan: ['read', 'create', 'stop'],
  'immutable-tag': ['list', 'create', 'update', 'delete'],
  'notification-policy': ['read', 'list', 'create', 'update', 'delete'],
  // Harbor's preheat-policy: project admins (and robots granted it) only, maintainers have none
  'preheat-policy': ['read', 'list', 'create', 'update', 'delete'],
  'tag-retention': ['read', 'list', 'create', 'update', 'delete', 'operate'],
} as const;

export type Resource = keyof typeof RESOURCE_ACTIONS;
export type Action = (typeof RESOURCE_ACTIONS)[Resource][number];
export type Permission = `${Resource}:${string}`;

export const permission = (resource: Resource, action: Action): Permission => `${resource}:${action}`;

/** The permissions a robot grant's access list names. */
export const accessPermissions = (access: readonly { resource: string; action: string }[]): Permission[] => access.map((a) => `${a.resource}:${a.action}` as Permission);

export function isKnownPermission(resource: string, action: string): boolean {
  const actions = (RESOURCE_ACTIONS as Record<string, readonly string[]>)[resource];
  return actions !== undefined && actions.includes(action);
}

const all = (resource: Resource): Permission[] => RESOURCE_ACTIONS[resource].map((a) => `${resource}:${a}` as Permission);
const some = (resource: Resource, ...actions: Action[]): Permission[] => actions.map((a) => permission(resource, a));

const LIMITED_GUEST: Permission[] = [
  ...some('project', 'read'),
  ...some('metadata', 'read', 'list'),
  ...some('quota', 'read'),
  ...some('label', 'read', 'list'),
  ...some('repository', 'read', 'list', 'pull'),
  ...some('artifact', 'read', 'list'),
  ...some('tag', 'list'),
  ...some('scan', 'read'),
];
const GUEST: Permission[] = [...LIMITED_GUEST, ...some('member', 'read', 'list'), ...some('log', 'list'), ...some('robot', 'read', 'list')];
const DEVELOPER: Permission[] = [
  ...GUEST,
  ...some('repository', 'push', 'update'),
  ...some('artifact', 'create'),
  ...some('tag', 'create'),
  ...all('artifact-label'),
  // Harbor also lets developers change and run retention policies; here they only see them, as a
  // run deletes artifacts and a developer may not (artifact:delete is the maintainer's)
  ...some('tag-retention', 'read', 'list'),
];
const MAINTAINER: Permission[] = [
  ...DEVELOPER,
  ...some('repository', 'delete'),
  ...some('artifact', 'delete'),
  ...some('tag', 'delete'),
  ...all('label'),
  ...some('scan', 'create', 'stop'),
  ...some('immutable-tag', 'list'),
  ...some('notification-policy', 'list'),
  ...all('tag-retention'),
];
const PROJECT_ADMIN: Permission[] = (Object.keys(RESOURCE_ACTIONS) as Resource[]).flatMap(all);

export const ROLE_PERMISSIONS: Record<ProjectRoleId, ReadonlySet<Permission>> = {
  1: new Set(PROJECT_ADMIN),
  2: new Set(DEVELOPER),
  3: new Set(GUEST),
  4: new Set(MAINTAINER),
  5: new Set(LIMITED_GUEST),
};

/** What anyone, anonymous included, may do in a public project. */
export const PUBLIC_PROJECT_PERMISSIONS: ReadonlySet<Permission> = new Set(LIMITED_GUEST);

/** Every permission there is (system administrators). */
export const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(PROJECT_ADMIN);

/** Registry actions in docker token scopes, and the permission each needs. */
export const REGISTRY_ACTION_PERMISSION: Record<string, Permission> = {
  pull: 'repository:pull',
  push: 'repository:push',
  delete: 'repository:delete',
  '*': 'repository:delete',
};

/**
 * What of `wanted` the holder of `held` does not hold: empty when `wanted` is no stronger. The
 * rule that keeps a principal from handing out, or taking over, rights beyond its own.
 */
export function permissionsBeyond(wanted: Iterable<Permission>, held: ReadonlySet<Permission>): Permission[] {
  return [...new Set(wanted)].filter((p) => !held.has(p));
}
