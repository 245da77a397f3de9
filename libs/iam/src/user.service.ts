import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditTrail, type AuditActor, type AuditOperation } from '@wharf/audit';
import { SqlClient, escapeLike, sqlOrderBy, type SqlExecutor } from '@wharf/db';
import { ConflictError, DeniedError, InvalidError, NotFoundError } from '@wharf/errors';
import { PasswordHasher } from './password-hasher';
import { RevocationEpochs } from './revocation-epochs';

export interface User {
  user_id: number;
  username: string;
  email: string | null;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  creation_time: Date;
  update_time: Date;
}

export interface NewUser {
  username: string;
  password: string;
  email?: string;
  realname?: string;
  comment?: string;
}

export interface UserProfile {
  email?: string;
  realname?: string;
  comment?: string;
}

export interface UserQuery {
  username?: string;
  /** exact match instead of substring */
  exact?: boolean;
  /** Harbor's `sort` (user_id, username, email, creation_time, update_time; `-` descending); by user_id when absent */
  sort?: string;
  offset: number;
  limit: number;
}

const USER_SORTABLE: Record<string, string> = { user_id: 'user_id', username: 'username', email: 'email', creation_time: 'creation_time', update_time: 'update_time' };

const COLUMNS = `user_id, username, email, realname, comment, sysadmin_flag, creation_time, update_time`;

/** Harbor's rule: 8-128 characters with at least one upper-case letter, one lower-case letter and one digit. */
export function checkPasswordStrength(password: string): void {
  if (password.length < 8 || password.length > 128 || !/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/[0-9]/.test(password)) {
    throw new InvalidError('request', 'password must be 8-128 characters with at least one upper-case letter, one lower-case letter and one digit');
  }
}

/**
 * Users of the database auth mode. Passwords are stored as scrypt hashes and never leave this class.
 * A change made with an `actor` (the management API's) writes its audit entry in its own transaction;
 * without one (first-start admin, test setup) nothing is audited.
 */
@Injectable()
export class UserService {
  constructor(
    private readonly sql: SqlClient,
    private readonly hasher: PasswordHasher,
    private readonly revocations: RevocationEpochs,
  ) {}

  /** Logins refused for this name before it existed are forgotten (the password may be one of them). */
  async create(input: NewUser, options: { sysadmin?: boolean; checkStrength?: boolean } = {}, actor?: AuditActor): Promise<User> {
    if (options.checkStrength !== false) checkPasswordStrength(input.password);
    const hash = await this.hasher.hash(input.password);
    try {
      return await this.revocations.revoking(input.username, () =>
        this.sql.transaction(async (tx) => {
          const rows = await tx.query<User>(
            `INSERT INTO harbor_user (username, email, realname, comment, password_hash, sysadmin_flag)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
            [input.username, input.email ?? null, input.realname ?? '', input.comment ?? '', hash, options.sysadmin ?? false],
          );
          await audit(tx, actor, 'create', rows[0].username);
          return rows[0];
        }),
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        const field = String((error as { constraint?: string }).constraint ?? '').includes('email') ? 'email' : 'username';
        throw new ConflictError(`a user with this ${field} already exists`);
      }
      throw error;
    }
  }

  /** Creates `admin` unless it exists; true when this call created it (so only one replica announces the password). */
  async ensureAdmin(password: string): Promise<boolean> {
    const hash = await this.hasher.hash(password);
    const rows = await this.sql.query(
      `INSERT INTO harbor_user (username, realname, comment, password_hash, sysadmin_flag)
       VALUES ('admin', 'system admin', 'created on first start', $1, true) ON CONFLICT (username) DO NOTHING RETURNING user_id`,
      [hash],
    );
    return rows.length > 0;
  }

  async get(id: number): Promise<User> {
    const rows = await this.sql.query<User>(`SELECT ${COLUMNS} FROM harbor_user WHERE user_id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('user', `user ${id} not found`);
    return rows[0];
  }

  async findByName(username: string): Promise<User | null> {
    const rows = await this.sql.query<User>(`SELECT ${COLUMNS} FROM harbor_user WHERE username = $1`, [username]);
    return rows[0] ?? null;
  }

  async list(query: UserQuery): Promise<{ items: User[]; total: number }> {
    const pattern = query.username === undefined ? null : query.exact ? query.username : `%${escapeLike(query.username)}%`;
    const rows = await this.sql.query<User & { total: number }>(
      `SELECT ${COLUMNS}, count(*) OVER () AS total FROM harbor_user
        WHERE $1::varchar IS NULL OR username LIKE $1
        ORDER BY ${sqlOrderBy(query.sort, USER_SORTABLE, 'user_id', (key, keys) => {
          throw new InvalidError('request', `cannot sort by "${key}"; sortable: ${keys.join(', ')}`);
        })}, user_id LIMIT $2 OFFSET $3`,
      [pattern, query.limit, query.offset],
    );
    const total = rows[0] ? rows[0].total : await this.count(pattern);
    return { items: rows.map(({ total: _total, ...user }) => user), total };
  }

  async updateProfile(id: number, profile: UserProfile, actor?: AuditActor): Promise<User> {
    try {
      return await this.sql.transaction(async (tx) => {
        const rows = await tx.query<User>(
          `UPDATE harbor_user SET email = COALESCE($2, email), realname = COALESCE($3, realname), comment = COALESCE($4, comment), update_time = now()
            WHERE user_id = $1 RETURNING ${COLUMNS}`,
          [id, profile.email ?? null, profile.realname ?? null, profile.comment ?? null],
        );
        if (!rows[0]) throw new NotFoundError('user', `user ${id} not found`);
        await audit(tx, actor, 'update', rows[0].username);
        return rows[0];
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ConflictError('a user with this email already exists');
      throw error;
    }
  }

  /**
   * `oldPassword` is required unless a system administrator resets someone else's password.
   * Tokens and remembered credentials from before the change stop working.
   */
  async changePassword(id: number, newPassword: string, oldPassword: string | undefined, actor?: AuditActor): Promise<void> {
    checkPasswordStrength(newPassword);
    const rows = await this.sql.query<{ username: string; password_hash: string }>(`SELECT username, password_hash FROM harbor_user WHERE user_id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('user', `user ${id} not found`);
    if (oldPassword !== undefined) {
      if (!(await this.hasher.verify(oldPassword, rows[0].password_hash))) throw new DeniedError('the old password is wrong');
      if (oldPassword === newPassword) throw new InvalidError('request', 'the new password must differ from the old one');
    }
    const hash = await this.hasher.hash(newPassword);
    const { username } = rows[0];
    await this.revocations.revoking(username, () =>
      this.sql.transaction(async (tx) => {
        const updated = await tx.query(`UPDATE harbor_user SET password_hash = $2, update_time = now() WHERE user_id = $1 RETURNING user_id`, [id, hash]);
        if (!updated[0]) throw new NotFoundError('user', `user ${id} not found`);
        await audit(tx, actor, 'update', username);
      }),
    );
  }

  /** Tokens issued before carry the old rights: they stop working. */
  async setSysadmin(id: number, sysadmin: boolean, actor?: AuditActor): Promise<void> {
    const { username } = await this.get(id);
    await this.revocations.revoking(username, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query<{ username: string }>(`UPDATE harbor_user SET sysadmin_flag = $2, update_time = now() WHERE user_id = $1 RETURNING username`, [id, sysadmin]);
        if (!rows[0]) throw new NotFoundError('user', `user ${id} not found`);
        await audit(tx, actor, 'update', rows[0].username);
      }),
    );
  }

  /** The user's tokens and remembered credentials stop working. */
  async delete(id: number, actor?: AuditActor): Promise<User> {
    const { username } = await this.get(id);
    return this.revocations.revoking(username, () =>
      this.sql.transaction(async (tx) => {
        const rows = await tx.query<User>(`DELETE FROM harbor_user WHERE user_id = $1 RETURNING ${COLUMNS}`, [id]);
        if (!rows[0]) throw new NotFoundError('user', `user ${id} not found`);
        await audit(tx, actor, 'delete', rows[0].username);
        return rows[0];
      }),
    );
  }

  /** The user whose password this is, or null (unknown user and wrong password are not told apart). */
  async verifyPassword(username: string, password: string): Promise<User | null> {
    const rows = await this.sql.query<User & { password_hash: string }>(`SELECT ${COLUMNS}, password_hash FROM harbor_user WHERE username = $1`, [username]);
    const row = rows[0];
    // spend the same time as a real check, so response times do not reveal which names exist
    if (!row) return this.hasher.verifyDummy(password).then(() => null);
    if (!(await this.hasher.verify(password, row.password_hash))) return null;
    const { password_hash: _hash, ...user } = row;
    return user;
  }

  /**
   * The user named `username` and a stamp of their current password (a digest of its hash, never
   * the hash): a session compares stamps to end when the password changed, or null when no such user.
   */
  async credentialStampOf(username: string): Promise<{ user: User; passwordStamp: string } | null> {
    const rows = await this.sql.query<User & { password_hash: string }>(`SELECT ${COLUMNS}, password_hash FROM harbor_user WHERE username = $1`, [username]);
    if (!rows[0]) return null;
    const { password_hash: hash, ...user } = rows[0];
    return { user, passwordStamp: createHash('sha256').update(hash).digest('base64url') };
  }

  private async count(pattern: string | null): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(`SELECT count(*) AS n FROM harbor_user WHERE $1::varchar IS NULL OR username LIKE $1`, [pattern]);
    return rows[0].n;
  }
}

/** Users are system-level resources: their entries belong to no project. */
async function audit(tx: SqlExecutor, actor: AuditActor | undefined, operation: AuditOperation, username: string): Promise<void> {
  if (actor) await AuditTrail.write(tx, actor, { projectId: null, operation, resourceType: 'user', resource: username });
}
