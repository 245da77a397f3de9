import type { Principal } from '@wharf/iam';

/**
 * The robots a scan job creates to let the adapter pull (scan-core names them with
 * `scanRobotName`; libs/iam forms `robot$<project>+<name>`). Pull policies (prevent_vul, signature
 * enforcement) exempt them: a scanner must pull what is not scanned yet. Robot names under this
 * prefix are the scan jobs' own: the robot API must refuse them to anyone else.
 */
export const SCAN_ROBOT_PREFIX = 'wharf-scanner-';

/** The name (inside its project) of the robot of one scan task. */
export function scanRobotName(suffix: string): string {
  return `${SCAN_ROBOT_PREFIX}${suffix}`;
}

/** Is this caller a scan job's robot? */
export function isScanRobot(principal: Principal | null | undefined): boolean {
  if (!principal || principal.kind !== 'robot') return false;
  const login = principal.name.startsWith('robot$') ? principal.name.slice('robot$'.length) : principal.name;
  const plus = login.indexOf('+');
  return (plus >= 0 ? login.slice(plus + 1) : login).startsWith(SCAN_ROBOT_PREFIX);
}
