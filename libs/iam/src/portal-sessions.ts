import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { REDIS } from '@wharf/redis';
import type Redis from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { Authenticator, type BasicCredentials } from './authenticator';
import type { UserPrincipal } from './principal';
import { RevocationEpochs } from './revocation-epochs';
import { ROBOT_PREFIX } from './robot.service';
import { UserService } from './user.service';

/** What Redis keeps of a session (under a digest of its id: a dump of Redis hands out no live session). */
interface StoredSession {
  userId: number;
  username: string;
  sysadmin: boolean;
  /** the token state-changing calls made with the session must echo (X-Harbor-CSRF-Token) */
  csrfToken: string;
  /** a digest of the password hash at login: a changed password ends the session */
  passwordStamp: string;
  /** unix ms of the login: the session's absolute lifetime counts from here */
  createdAt: number;
  /** unix ms the account was last read: revocations of the name after it make the session look again */
  checkedAt: number;
}

/** A session just opened: the values of its two cookies. */
export interface OpenedSession {
  sid: string;
  csrfToken: string;
  principal: UserPrincipal;
}

/** A live session, as a request presenting its id gets it. */
export interface LiveSession {
  principal: UserPrincipal;
  csrfToken: string;
}

// 32 random bytes, base64url: anything else is not a session id and costs no Redis read
const SID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The web portal's sessions (Harbor's `sid` cookie): opened by a user's password login, kept in
 * Redis so every api replica honours them, ended by logout, by idleness
 * (SESSION_IDLE_TIMEOUT_MINUTES, the key's expiry, renewed on each use) and by age
 * (SESSION_MAX_LIFETIME_HOURS from the login, however busy).
 *
 * A session outlives ordinary changes of its user's rights but not of their identity: each use
 * asks RevocationEpochs whether the name was revoked since the session last looked. Revocations
 * come with every change of the user's rights (a membership, the admin flag) as well as with a
 * password change or deletion, so on a revocation the session reads the account again: gone,
 * recreated under the same name or with another password, the session ends; otherwise it carries
 * on with the rights read now. Robots never get a session (Harbor's portal refuses them too).
 */
@Injectable()
export class PortalSessions {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
    private readonly users: UserService,
    private readonly revocations: RevocationEpochs,
  ) {}

  /**
   * Checks a user's password (through the Authenticator, so the login throttle counts it as any
   * Basic login) and opens a session; null when the credentials are refused.
   */
  async open(credentials: BasicCredentials, address: string | undefined): Promise<OpenedSession | null> {
    // refused before any check: a robot's secret is for clients, never for the portal
    if (credentials.username.startsWith(ROBOT_PREFIX)) return null;
    // read before the password is verified: a change between the two ends the session at its first use
    const checkedAt = Date.now();
    const account = await this.users.credentialStampOf(credentials.username);
    const principal = await this.authenticator.authenticate(credentials, address);
    if (!principal || principal.kind !== 'user' || !account || account.user.user_id !== principal.id) return null;
    const sid = randomBytes(32).toString('base64url');
    const session: StoredSession = {
      userId: principal.id,
      username: principal.username,
      sysadmin: principal.sysadmin,
      csrfToken: randomBytes(32).toString('base64url'),
      passwordStamp: account.passwordStamp,
      createdAt: checkedAt,
      checkedAt,
    };
    await this.redis.set(this.key(sid), JSON.stringify(session), 'PX', this.idleMs);
    return { sid, csrfToken: session.csrfToken, principal: principalOf(session) };
  }

  /** The session `sid` names while it lives (its idle time starts again), or null. */
  async resume(sid: string): Promise<LiveSession | null> {
    if (!SID_SHAPE.test(sid)) return null;
    const key = this.key(sid);
    const stored = await this.redis.get(key);
    if (!stored) return null;
    let session = JSON.parse(stored) as StoredSession;
    const now = Date.now();
    const endsAt = session.createdAt + this.config.SESSION_MAX_LIFETIME_HOURS * 3_600_000;
    if (now >= endsAt) {
      await this.redis.del(key);
      return null;
    }
    const ttl = Math.min(this.idleMs, endsAt - now);
    if (await this.revocations.revokedSince(session.username, session.checkedAt)) {
      const rechecked = await this.recheck(session, now);
      if (!rechecked) {
        await this.redis.del(key);
        return null;
      }
      session = rechecked;
      // XX: a logout that ran meanwhile stays a logout
      await this.redis.set(key, JSON.stringify(session), 'PX', ttl, 'XX');
    } else {
      await this.redis.pexpire(key, ttl);
    }
    return { principal: principalOf(session), csrfToken: session.csrfToken };
  }

  /** Ends the session (logout); nothing happens when there is none. */
  async end(sid: string): Promise<void> {
    if (SID_SHAPE.test(sid)) await this.redis.del(this.key(sid));
  }

  /** The session as the account stands now (read after `checkedAt` was taken), or null when its identity changed. */
  private async recheck(session: StoredSession, checkedAt: number): Promise<StoredSession | null> {
    const account = await this.users.credentialStampOf(session.username);
    if (!account || account.user.user_id !== session.userId || account.passwordStamp !== session.passwordStamp) return null;
    return { ...session, sysadmin: account.user.sysadmin_flag, checkedAt };
  }

  private get idleMs(): number {
    return this.config.SESSION_IDLE_TIMEOUT_MINUTES * 60_000;
  }

  private key(sid: string): string {
    return `${this.config.REDIS_PREFIX}:portal-session:${createHash('sha256').update(sid).digest('base64url')}`;
  }
}

function principalOf(session: StoredSession): UserPrincipal {
  return { kind: 'user', id: session.userId, username: session.username, sysadmin: session.sysadmin };
}
