import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, escapeLike, type SqlExecutor } from '@wharf/db';
import { ConflictError, NotFoundError } from '@wharf/errors';
import { ROLE_NAMES, type ProjectRoleId } from './rbac';
import { RevocationEpochs } from './revocation-epochs';

export interface ProjectMember {
  id: number;
  project_id: number;
  entity_id: number;
  entity_name: string;
  entity_type: 'u';
  role_id: ProjectRoleId;
  role_name: string;
}

const SELECT = `SELECT m.id, m.project_id, m.entity_id, u.username AS entity_name, m.entity_type, m.role AS role_id
  FROM project_member m JOIN harbor_user u ON u.user_id = m.entity_id`;

const withRoleName = (m: Omit<ProjectMember, 'role_name'>): ProjectMember => ({ ...m, role_name: ROLE_NAMES[m.role_id] });

/**
 * Users' roles in projects (Harbor's project_member; groups are not supported yet). A change made
 * with an `actor` writes its audit entry (`<project>:<user>`) in its own transaction.
 */
@Injectable()
export class MemberService {
  constructor(
    private readonly sql: SqlClient,
    private readonly revocations: RevocationEpochs,
  ) {}

  async roleOf(userId: number, projectId: number): Promise<ProjectRoleId | null> {
    const rows = await this.sql.query<{ role: ProjectRoleId }>(
      `SELECT role FROM project_member WHERE project_id = $1 AND entity_id = $2 AND entity_type = 'u'`,
      [projectId, userId],
    );
    return rows[0]?.role ?? null;
  }

  /** The user's role in each project they are a member of. */
  async membershipsOf(userId: number): Promise<{ projectId: number; role: ProjectRoleId }[]> {
    const rows = await this.sql.query<{ project_id: number; role: ProjectRoleId }>(`SELECT project_id, role FROM project_member WHERE entity_id = $1 AND entity_type = 'u'`, [userId]);
    return rows.map((r) => ({ projectId: r.project_id, role: r.role }));
  }

  async add(projectId: number, userId: number, role: ProjectRoleId, actor?: AuditActor): Promise<ProjectMember> {
    try {
      return await this.sql.transaction(async (tx) => {
        const rows = await tx.query<{ id: number }>(
          `INSERT INTO project_member (project_id, entity_id, entity_type, role) VALUES ($1, $2, 'u', $3) RETURNING id`,
          [projectId, userId, role],
        );
        const member = await this.find(tx, projectId, rows[0].id);
        await audit(tx, actor, 'create', member);
        return member;
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ConflictError('the user is already a member of this project');
      throw error;
    }
  }

  async get(projectId: number, memberId: number): Promise<ProjectMember> {
    return this.find(this.sql, projectId, memberId);
  }

  async list(projectId: number, filter: { entityName?: string; offset: number; limit: number }): Promise<{ items: ProjectMember[]; total: number }> {
    const pattern = filter.entityName ? `%${escapeLike(filter.entityName)}%` : null;
    const where = `WHERE m.project_id = $1 AND ($2::varchar IS NULL OR u.username LIKE $2)`;
    const [rows, count] = await Promise.all([
      this.sql.query<Omit<ProjectMember, 'role_name'>>(`${SELECT} ${where} ORDER BY m.id LIMIT $3 OFFSET $4`, [projectId, pattern, filter.limit, filter.offset]),
      this.sql.query<{ n: number }>(`SELECT count(*) AS n FROM project_member m JOIN harbor_user u ON u.user_id = m.entity_id ${where}`, [projectId, pattern]),
    ]);
    return { items: rows.map(withRoleName), total: count[0].n };
  }

  /** The member's tokens (which carry the old role's access) stop working. */
  async updateRole(projectId: number, memberId: number, role: ProjectRoleId, actor?: AuditActor): Promise<ProjectMember> {
    const member = await this.get(projectId, memberId);
    return this.revocations.revoking(member.entity_name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query(`UPDATE project_member SET role = $3, update_time = now() WHERE project_id = $1 AND id = $2 RETURNING id`, [projectId, memberId, role]);
        if (!rows[0]) throw new NotFoundError('member', `member ${memberId} not found in this project`);
        const updated = await this.find(tx, projectId, memberId);
        await audit(tx, actor, 'update', updated);
        return updated;
      }),
    );
  }

  /** The former member's tokens stop working. */
  async remove(projectId: number, memberId: number, actor?: AuditActor): Promise<ProjectMember> {
    const member = await this.get(projectId, memberId);
    await this.revocations.revoking(member.entity_name, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query(`DELETE FROM project_member WHERE project_id = $1 AND id = $2 RETURNING id`, [projectId, memberId]);
        if (!rows[0]) throw new NotFoundError('member', `member ${memberId} not found in this project`);
        await audit(tx, actor, 'delete', member);
      }),
    );
    return member;
  }

  private async find(executor: SqlExecutor, projectId: number, memberId: number): Promise<ProjectMember> {
    const rows = await executor.query<Omit<ProjectMember, 'role_name'>>(`${SELECT} WHERE m.project_id = $1 AND m.id = $2`, [projectId, memberId]);
    if (!rows[0]) throw new NotFoundError('member', `member ${memberId} not found in this project`);
    return withRoleName(rows[0]);
  }
}

/** Entries name the membership as `<project>:<user>`; the project's name is read in the same transaction. */
async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, member: ProjectMember): Promise<void> {
  if (!actor) return;
  const [project] = await tx.query<{ name: string }>(`SELECT name FROM project WHERE project_id = $1`, [member.project_id]);
  await AuditTrail.write(tx, actor, { projectId: member.project_id, operation, resourceType: 'member', resource: `${project?.name ?? member.project_id}:${member.entity_name}` });
}
