import { ALL_PERMISSIONS, PUBLIC_PROJECT_PERMISSIONS, ProjectRole, ROLE_PERMISSIONS, isKnownPermission, permissionsBeyond, type Permission } from './rbac';

const has = (role: keyof typeof ProjectRole, permission: Permission) => ROLE_PERMISSIONS[ProjectRole[role]].has(permission);

describe('project roles (Harbor role ids and rights)', () => {
  it.each([
    ['LimitedGuest', 'repository:pull', true],
    ['LimitedGuest', 'member:list', false],
    ['LimitedGuest', 'log:list', false],
    ['Guest', 'repository:pull', true],
    ['Guest', 'repository:push', false],
    ['Guest', 'member:list', true],
    ['Developer', 'repository:push', true],
    ['Developer', 'repository:delete', false],
    ['Developer', 'artifact:delete', false],
    ['Maintainer', 'repository:delete', true],
    ['Maintainer', 'member:create', false],
    ['Maintainer', 'project:update', false],
    ['ProjectAdmin', 'member:create', true],
    ['ProjectAdmin', 'project:delete', true],
    ['ProjectAdmin', 'robot:create', true],
  ] as const)('%s has %s: %s', (role, permission, expected) => {
    expect(has(role, permission)).toBe(expected);
  });

  it('nests the roles: each holds everything the one below it holds', () => {
    const order = [ProjectRole.LimitedGuest, ProjectRole.Guest, ProjectRole.Developer, ProjectRole.Maintainer, ProjectRole.ProjectAdmin];
    for (let i = 1; i < order.length; i += 1) {
      for (const permission of ROLE_PERMISSIONS[order[i - 1]]) expect(ROLE_PERMISSIONS[order[i]].has(permission)).toBe(true);
    }
    expect(ROLE_PERMISSIONS[ProjectRole.ProjectAdmin]).toEqual(ALL_PERMISSIONS);
  });

  it('lets anyone read and pull from a public project, and nothing more', () => {
    expect(PUBLIC_PROJECT_PERMISSIONS.has('repository:pull')).toBe(true);
    for (const permission of PUBLIC_PROJECT_PERMISSIONS) expect(permission).toMatch(/:(read|list|pull)$/);
  });

  it('knows which resource/action pairs exist (robot permissions are checked against them)', () => {
    expect(isKnownPermission('repository', 'pull')).toBe(true);
    expect(isKnownPermission('repository', 'fly')).toBe(false);
    expect(isKnownPermission('spaceship', 'pull')).toBe(false);
  });

  it('tells what a grant would add beyond what the grantor holds (nothing for a weaker or equal set)', () => {
    const maintainer = ROLE_PERMISSIONS[ProjectRole.Maintainer];
    expect(permissionsBeyond(ROLE_PERMISSIONS[ProjectRole.Developer], maintainer)).toEqual([]);
    expect(permissionsBeyond(maintainer, maintainer)).toEqual([]);
    expect(permissionsBeyond(ROLE_PERMISSIONS[ProjectRole.ProjectAdmin], maintainer)).toEqual(expect.arrayContaining(['member:create', 'robot:update', 'project:delete']));
    expect(permissionsBeyond(['repository:push', 'repository:push', 'repository:pull'], new Set<Permission>(['repository:pull']))).toEqual(['repository:push']);
  });
});
