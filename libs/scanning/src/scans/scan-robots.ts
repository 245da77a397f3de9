import { Injectable, Logger } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { RobotService, type Robot } from '@wharf/iam';

/**
 * The creator_ref of scan robots. Holds a ':' that no user name may hold, so a robot a person
 * created is never taken for one (nor swept).
 */
export const SCAN_ROBOT_CREATOR = 'wharf:scan-task';
/** A scan robot's short name: `wharf-scan-<task id>` (its full name `robot$<project>+wharf-scan-<task id>`). */
export const scanRobotName = (taskId: number): string => `wharf-scan-${taskId}`;
const TASK_OF_NAME = /\+wharf-scan-(\d+)$/;

/**
 * The short-lived project robot of each scan: pull (and push, for an SBOM accessory) on the
 * scanned artifact's project only, valid one day at most, deleted when its task ends. A worker
 * that dies mid-scan leaves its robot behind: the sweep deletes every scan robot whose task has
 * ended or is gone.
 */
@Injectable()
export class ScanRobots {
  private readonly logger = new Logger(ScanRobots.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly robots: RobotService,
  ) {}

  async create(taskId: number, project: { id: number; name: string }, push: boolean): Promise<{ robot: Robot; secret: string }> {
    // a resumed task may find its earlier robot: replace it (its secret is unknown)
    await this.deleteOfTask(taskId, project.name);
    const access = [{ resource: 'repository', action: 'pull' }, ...(push ? [{ resource: 'repository', action: 'push' }] : [])];
    return this.robots.create(
      {
        name: scanRobotName(taskId),
        description: `scan task ${taskId}: deleted when the scan ends`,
        level: 'project',
        project,
        duration: 1,
        permissions: [{ kind: 'project', namespace: project.name, access }],
      },
      SCAN_ROBOT_CREATOR,
    );
  }

  async delete(robot: Robot): Promise<void> {
    try {
      await this.robots.delete(robot.id);
    } catch (error) {
      // gone already (its project was deleted, or the sweep took it)
      this.logger.debug(`scan robot ${robot.name}: ${(error as Error).message}`);
    }
  }

  private async deleteOfTask(taskId: number, projectName: string): Promise<void> {
    const rows = await this.sql.query<{ id: string }>(`SELECT id FROM robot WHERE name = $1 AND creator_ref = $2`, [`robot$${projectName}+${scanRobotName(taskId)}`, SCAN_ROBOT_CREATOR]);
    for (const row of rows) await this.robots.delete(Number(row.id)).catch(() => undefined);
  }

  /** Deletes the scan robots whose task is final or gone; how many. */
  async sweep(): Promise<number> {
    const rows = await this.sql.query<{ id: string; name: string; status: string | null }>(
      `SELECT r.id, r.name, t.status FROM robot r
         LEFT JOIN task t ON t.id = NULLIF(substring(r.name from '\\+wharf-scan-([0-9]+)$'), '')::bigint
        WHERE r.creator_ref = $1`,
      [SCAN_ROBOT_CREATOR],
    );
    let swept = 0;
    for (const row of rows) {
      if (!TASK_OF_NAME.test(row.name)) continue;
      if (row.status === 'Pending' || row.status === 'Running') continue;
      try {
        await this.robots.delete(Number(row.id));
        swept += 1;
      } catch {
        // deleted meanwhile
      }
    }
    if (swept) this.logger.log(`deleted ${swept} scan robot(s) left by ended scans`);
    return swept;
  }
}
