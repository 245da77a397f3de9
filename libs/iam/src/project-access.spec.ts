import type { RobotPrincipal } from './principal';
import { robotPermissionsIn } from './project-access';

const robot = (level: 'system' | 'project', grants: RobotPrincipal['grants'], projectId: number | null = null): RobotPrincipal => ({ kind: 'robot', id: 1, name: 'robot$r', level, projectId, grants });
const PULL = [{ resource: 'repository', action: 'pull' }];

describe('robot grants, by project id', () => {
  it('apply to the project they were given for, never to another one (a re-created project has a new id)', () => {
    const r = robot('system', [{ projectId: 7, access: PULL }]);
    expect(robotPermissionsIn(r, 7)).toEqual(['repository:pull']);
    expect(robotPermissionsIn(r, 8)).toEqual([]);
  });

  it('cover every project when given for all of them, to system robots only', () => {
    expect(robotPermissionsIn(robot('system', [{ projectId: null, access: PULL }]), 42)).toEqual(['repository:pull']);
    expect(robotPermissionsIn(robot('project', [{ projectId: null, access: PULL }], 7), 7)).toEqual([]);
  });

  it('keep a project robot inside its own project', () => {
    const r = robot('project', [{ projectId: 8, access: PULL }], 7);
    expect(robotPermissionsIn(r, 8)).toEqual([]);
  });
});
