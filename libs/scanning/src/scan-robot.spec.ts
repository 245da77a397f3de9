import { isScanRobot } from './scan-robot';

describe('isScanRobot', () => {
  const robot = (name: string, level: 'project' | 'system' = 'project') => ({ kind: 'robot' as const, id: 1, name, level, projectId: 1, grants: [] });

  it("recognises a scan task's project robot (scan-core's robot$<project>+wharf-scan-<task id>)", () => {
    expect(isScanRobot(robot('robot$library+wharf-scan-42'))).toBe(true);
  });

  it('refuses every other caller', () => {
    expect(isScanRobot(robot('robot$library+puller'))).toBe(false);
    expect(isScanRobot(robot('robot$wharf-scan-project+puller'))).toBe(false);
    expect(isScanRobot(robot('robot$library+wharf-scan-42-extra'))).toBe(false);
    expect(isScanRobot(robot('robot$wharf-scan-42', 'system'))).toBe(false);
    expect(isScanRobot({ kind: 'user', id: 1, username: 'wharf-scan-1', sysadmin: false })).toBe(false);
    expect(isScanRobot({ kind: 'anonymous' })).toBe(false);
    expect(isScanRobot(null)).toBe(false);
  });
});
