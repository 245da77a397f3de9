import { isScanRobot, scanRobotName } from './scan-robot';

describe('isScanRobot', () => {
  const robot = (name: string) => ({ kind: 'robot' as const, id: 1, name, level: 'project' as const, projectId: 1, grants: [] });

  it('recognises the robots scan jobs name, project or system level', () => {
    expect(isScanRobot(robot(`robot$library+${scanRobotName('task-7')}`))).toBe(true);
    expect(isScanRobot(robot(`robot$${scanRobotName('task-7')}`))).toBe(true);
  });

  it('refuses every other caller, including a robot whose project is named like the prefix', () => {
    expect(isScanRobot(robot('robot$library+puller'))).toBe(false);
    expect(isScanRobot(robot('robot$wharf-scanner-project+puller'))).toBe(false);
    expect(isScanRobot({ kind: 'user', id: 1, username: 'wharf-scanner-x', sysadmin: false })).toBe(false);
    expect(isScanRobot({ kind: 'anonymous' })).toBe(false);
    expect(isScanRobot(null)).toBe(false);
  });
});
