import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, sqlOrderBy, type SqlExecutor } from '@wharf/db';
import { ConflictError, InvalidError, NotFoundError } from '@wharf/errors';
import { randomInt } from 'node:crypto';
import { PasswordHasher } from './password-hasher';
import type { RobotAccess, RobotPermissionGrant, RobotPrincipal } from './principal';
import { isKnownPermission } from './rbac';
import { RevocationEpochs } from './revocation-epochs';

export const ROBOT_PREFIX = 'robot$';

const ROBOT_SORTABLE: Record<string, string> = { id: 'r.id', name: 'r.name', creation_time: 'r.creation_time', update_time: 'r.update_time', expires_at: 'r.expires_at', duration: 'r.duration' };
const refuseSort = (key: string, keys: string[]): never => {
  throw new InvalidError('request', `cannot sort by "${key}"; sortable: ${keys.join(', ')}`);
};

export interface Robot {
  id: number;
  /** full login name */
  name: string;
  description: string;
  level: 'system' | 'project';
  project_id: number | null;
  disable: boolean;
  duration: number;
  /** unix seconds, -1 for never (Harbor's shape) */
  expires_at: number;
  permissions: RobotPermissionGrant[];
  creator_ref: string;
  creation_time: Date;
  update_time: Date;
}

export interface RobotSpec {
  /** short name, without prefix or project */
  name: string;
  description?: string;
  level: 'system' | 'project';
  /** set for project robots: the one project its permissions may name */
  project?: { id: number; name: string };
  duration: number;
  disable?: boolean;
  permissions: RobotPermissionGrant[];
}

interface RobotRow {
  id: number;
  name: string;
  description: string;
  level: 'system' | 'project';
  project_id: number | null;
  disabled: boolean;
  duration: number;
  expires_at: Date | null;
  creator_ref: string;
  creation_time: Date;
  update_time: Date;
  permissions: StoredGrant[] | null;
}

/** A robot_permission row: keyed by project id (null: every project), named on the wire. */
interface StoredGrant {
  kind: 'project';
  project_id: number | null;
  /** the project's current name, or '*' */
  namespace: string;
  access: RobotAccess[];
}

const SELECT = `SELECT r.id, r.name, r.description, r.level, r.project_id, r.disabled, r.duration, r.expires_at, r.creator_ref, r.creation_time, r.update_time,
  (SELECT json_agg(json_build_object('kind', p.kind, 'project_id', p.project_id, 'namespace', COALESCE(pr.name, '*'), 'access', p.access) ORDER BY p.id)
     FROM robot_permission p LEFT JOIN project pr ON pr.project_id = p.project_id WHERE p.robot_id = r.id) AS permissions
  FROM robot r`;

const SECRET_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random secret with Harbor's shape (32 characters, upper, lower and digits). */
export function generateSecret(): string {
  for (;;) {
    const secret = Array.from({ length: 32 }, () => SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)]).join('');
    if (/[A-Z]/.test(secret) && /[a-z]/.test(secret) && /[0-9]/.test(secret)) return secret;
  }
}

/**
 * Robot accounts: machine identities with explicit permissions per project and an optional
 * expiry. The secret is shown once (on create and refresh) and kept only as a hash. A change made
 * with an `actor` writes its audit entry (by the robot's full name) in its own transaction.
 */
@Injectable()
export class RobotService {
  constructor(
    private readonly sql: SqlClient,
    private readonly hasher: PasswordHasher,
    private readonly revocations: RevocationEpochs,
  ) {}

  static fullName(spec: { name: string; level: 'system' | 'project'; project?: { name: string } }): string {
    return spec.level === 'project' ? `${ROBOT_PREFIX}${spec.project?.name}+${spec.name}` : `${ROBOT_PREFIX}${spec.name}`;
  }

  async create(spec: RobotSpec, creator: string, actor?: AuditActor): Promise<{ robot: Robot; secret: string }> {
    this.validate(spec);
    const secret = generateSecret();
    const name = RobotService.fullName(spec);
    const id = await this.sql.transaction(async (tx) => {
      try {
        const rows = await tx.query<{ id: number }>(
          `INSERT INTO robot (name, description, level, project_id, secret_hash, disabled, duration, expires_at, creator_ref)
           VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7::int < 0 THEN NULL ELSE now() + make_interval(days => $7::int) END, $8)
           RETURNING id`,
          [name, spec.description ?? '', spec.level, spec.project?.id ?? null, await this.hasher.hash(secret), spec.disable ?? false, spec.duration, creator],
        );
        await this.writePermissions(tx, rows[0].id, spec.permissions);
        await audit(tx, actor, 'create', { name, project_id: spec.project?.id ?? null });
        return rows[0].id;
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new ConflictError(`robot account ${name} already exists`);
        if ((error as { code?: string }).code === '23503') throw new NotFoundError('project', 'a project the permissions name no longer exists');
        throw error;
      }
    });
    return { robot: await this.get(id), secret };
  }

  async get(id: number): Promise<Robot> {
    const rows = await this.sql.query<RobotRow>(`${SELECT} WHERE r.id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('robot', `robot ${id} not found`);
    return toRobot(rows[0]);
  }

  /** `sort`: Harbor's keys (id, name, creation_time, update_time, expires_at, duration), `-` descending; by id when absent. */
  async list(filter: { level?: 'system' | 'project'; projectId?: number; sort?: string; offset: number; limit: number }): Promise<{ items: Robot[]; total: number }> {
    const order = sqlOrderBy(filter.sort, ROBOT_SORTABLE, 'r.id', refuseSort);
    const where = `WHERE ($1::varchar IS NULL OR r.level = $1) AND ($2::int IS NULL OR r.project_id = $2)`;
    const params = [filter.level ?? null, filter.projectId ?? null];
    const [rows, count] = await Promise.all([
      this.sql.query<RobotRow>(`${SELECT} ${where} ORDER BY ${order}, r.id LIMIT $3 OFFSET $4`, [...params, filter.limit, filter.offset]),
      this.sql.query<{ n: number }>(`SELECT count(*) AS n FROM robot r ${where}`, params),
    ]);
    return { items: rows.map(toRobot), total: count[0].n };
  }

  /** Replaces description, duration, disable and permissions; name and level never change. Tokens issued before stop working. */
  async update(id: number, spec: RobotSpec, actor?: AuditActor): Promise<Robot> {
    this.validate(spec);
    const robot = await this.get(id);
    const { name } = robot;
    await this.revocations.revoking(name, () => this.sql.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE robot SET description = $2, disabled = $3, duration = $4,
                expires_at = CASE WHEN $4::int < 0 THEN NULL ELSE creation_time + make_interval(days => $4::int) END, update_time = now()
          WHERE id = $1 RETURNING id`,
        [id, spec.description ?? '', spec.disable ?? false, spec.duration],
      );
      if (!rows[0]) throw new NotFoundError('robot', `robot ${id} not found`);
      await tx.query(`DELETE FROM robot_permission WHERE robot_id = $1`, [id]);
      await this.writePermissions(tx, id, spec.permissions).catch((error: unknown) => {
        if ((error as { code?: string }).code === '23503') throw new NotFoundError('project', 'a project the permissions name no longer exists');
        throw error;
      });
      await audit(tx, actor, 'update', robot);
    }));
    return this.get(id);
  }

  /** A new secret (random unless given); the old one, and tokens issued with it, stop working at once. */
  async refreshSecret(id: number, given?: string, actor?: AuditActor): Promise<string> {
    if (given !== undefined && (given.length < 8 || given.length > 128 || !/[A-Z]/.test(given) || !/[a-z]/.test(given) || !/[0-9]/.test(given))) {
      throw new InvalidError('request', 'secret must be 8-128 characters with at least one upper-case letter, one lower-case letter and one digit');
    }
    const secret = given ?? generateSecret();
    const robot = await this.get(id);
    const hash = await this.hasher.hash(secret);
    await this.revocations.revoking(robot.name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query(`UPDATE robot SET secret_hash = $2, update_time = now() WHERE id = $1 RETURNING id`, [id, hash]);
        if (!rows[0]) throw new NotFoundError('robot', `robot ${id} not found`);
        await audit(tx, actor, 'update', robot);
      }),
    );
    return secret;
  }

  async delete(id: number, actor?: AuditActor): Promise<Robot> {
    const robot = await this.get(id);
    await this.revocations.revoking(robot.name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query(`DELETE FROM robot WHERE id = $1 RETURNING id`, [id]);
        if (!rows[0]) throw new NotFoundError('robot', `robot ${id} not found`);
        await audit(tx, actor, 'delete', robot);
      }),
    );
    return robot;
  }

  /** The robot these credentials belong to, when enabled, unexpired and the secret matches; else null. */
  async authenticate(name: string, secret: string): Promise<RobotPrincipal | null> {
    const rows = await this.sql.query<RobotRow & { secret_hash: string }>(
      `SELECT q.*, r2.secret_hash FROM (${SELECT} WHERE r.name = $1) q JOIN robot r2 ON r2.id = q.id`,
      [name],
    );
    const row = rows[0];
    // an unknown, disabled or expired robot costs a hash like a real one: timing does not tell them apart
    if (!row) return this.hasher.verifyDummy(secret).then(() => null);
    const verified = await this.hasher.verify(secret, row.secret_hash);
    if (!verified || !usable(row)) return null;
    return toPrincipal(row);
  }

  /** The robot a token was issued to, while it stays enabled and unexpired (no secret: the token proves it). */
  async principalByName(name: string): Promise<RobotPrincipal | null> {
    const rows = await this.sql.query<RobotRow>(`${SELECT} WHERE r.name = $1`, [name]);
    const row = rows[0];
    return row && usable(row) ? toPrincipal(row) : null;
  }

  private validate(spec: RobotSpec): void {
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(spec.name) || spec.name.length > 128) {
      throw new InvalidError('request', 'robot name must be 1-128 lower-case letters, digits and single separators (. _ -)');
    }
    if (!Number.isInteger(spec.duration) || spec.duration === 0 || spec.duration < -1 || spec.duration > 36500) {
      throw new InvalidError('request', 'duration must be a number of days (1-36500) or -1 for never');
    }
    if (spec.permissions.length === 0) throw new InvalidError('request', 'a robot needs at least one permission');
    for (const grant of spec.permissions) {
      if (grant.kind !== 'project') throw new InvalidError('request', `permission kind ${String(grant.kind)} is not supported (use "project")`);
      if (spec.level === 'project' && grant.namespace !== spec.project?.name) {
        throw new InvalidError('request', `a project robot may only hold permissions in its own project ${spec.project?.name}`);
      }
      if (!Array.isArray(grant.access) || grant.access.length === 0) throw new InvalidError('request', `permission for ${grant.namespace} lists no access`);
      for (const access of grant.access) {
        if (!isKnownPermission(access.resource, access.action)) {
          throw new InvalidError('request', `unknown permission ${String(access.resource)}:${String(access.action)}`);
        }
      }
    }
  }

  /**
   * Grants are stored by project id (a name would cover a project re-created under it by
   * someone else), and go with their project (ON DELETE CASCADE). '*' is stored as no project.
   */
  private async writePermissions(tx: SqlExecutor, robotId: number, grants: RobotPermissionGrant[]): Promise<void> {
    for (const grant of grants) {
      const access = grant.access.map(({ resource, action }) => ({ resource, action }));
      const rows = await tx.query(
        `INSERT INTO robot_permission (robot_id, kind, project_id, access)
         SELECT $1::int, $2::varchar, p.project_id, $4::jsonb
           FROM (SELECT NULL::int AS project_id WHERE $3::varchar = '*' UNION ALL SELECT project_id FROM project WHERE name = $3::varchar) p
         RETURNING id`,
        [robotId, grant.kind, grant.namespace, JSON.stringify(access)],
      );
      if (rows.length === 0) throw new NotFoundError('project', `project ${grant.namespace} not found`);
    }
  }
}

/** A project robot's entries belong to its project; a system robot's to none. */
async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, robot: Pick<Robot, 'name' | 'project_id'>): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: robot.project_id, operation, resourceType: 'robot', resource: robot.name });
}

const usable = (row: RobotRow): boolean => !row.disabled && (row.expires_at === null || row.expires_at.getTime() > Date.now());

function toRobot(row: RobotRow): Robot {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    level: row.level,
    project_id: row.project_id,
    disable: row.disabled,
    duration: row.duration,
    expires_at: row.expires_at ? Math.floor(row.expires_at.getTime() / 1000) : -1,
    permissions: (row.permissions ?? []).map(({ kind, namespace, access }) => ({ kind, namespace, access })),
    creator_ref: row.creator_ref,
    creation_time: row.creation_time,
    update_time: row.update_time,
  };
}

function toPrincipal(row: RobotRow): RobotPrincipal {
  const grants = (row.permissions ?? []).map((grant) => ({ projectId: grant.project_id, access: grant.access }));
  const principal: RobotPrincipal = { kind: 'robot', id: row.id, name: row.name, level: row.level, projectId: row.project_id, grants };
  return row.expires_at ? { ...principal, expiresAt: row.expires_at.getTime() } : principal;
}
