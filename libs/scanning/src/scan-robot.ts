import type { Principal } from '@wharf/iam';

/**
 * The robots a scan job creates to let the adapter pull: scan-core's `scanRobotName(taskId)`,
 * `wharf-scan-<task id>`, a project robot (`robot$<project>+wharf-scan-<task id>`). Pull policies
 * (prevent_vul, signature enforcement, scan before serve) exempt them: a scanner must pull what is
 * not scanned yet. `POST /robots` refuses names under this prefix, so only scan jobs make them.
 */
export const SCAN_ROBOT_PREFIX = 'wharf-scan-';
const SCAN_ROBOT_NAME = /^robot\$[^+]+\+wharf-scan-\d+$/;

/** Is this caller a scan job's robot? */
export function isScanRobot(principal: Principal | null | undefined): boolean {
  return principal?.kind === 'robot' && principal.level === 'project' && SCAN_ROBOT_NAME.test(principal.name);
}
