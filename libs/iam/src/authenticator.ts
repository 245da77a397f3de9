import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { ConcurrencyLimitExceeded } from './concurrency-limiter';
import { LoginThrottle } from './login-throttle';
import type { Principal, RobotPrincipal, UserPrincipal } from './principal';
import { RevocationEpochs } from './revocation-epochs';
import { ROBOT_PREFIX, RobotService } from './robot.service';
import { TooManyLoginAttempts } from './too-many-login-attempts';
import { UserService } from './user.service';

export interface BasicCredentials {
  username: string;
  password: string;
}

/** A user or robot whose credentials were checked, and when (what revocations are compared with). */
export type AuthenticatedPrincipal = (UserPrincipal | RobotPrincipal) & { checkedAt: number };

// registry clients send Basic credentials with every request: a verified pair is remembered this long
const REMEMBER_MS = 5 * 60_000;
// a refused pair, as long as the throttle counts failures: a client retrying stale credentials in
// a loop costs no hash and counts once, so it cannot lock out its address (shared by others)
const REMEMBER_REFUSED_MS = 15 * 60_000;
const REMEMBERED_MAX = 5000;

interface RememberedCheck {
  principal: AuthenticatedPrincipal | null;
  /** whose credentials: revocations of this name forget the check */
  subject: string;
  checkedAt: number;
  until: number;
}

/** Parses an `Authorization: Basic ...` header; undefined when absent or of another scheme, null when malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | null | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // no account name holds a NUL (and Postgres refuses one in text): invalid credentials, not a 500
  if (colon <= 0 || decoded.slice(0, colon).includes('\0')) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks user or robot credentials (robots log in as `robot$...`). Wrong name, wrong password,
 * disabled or expired robot: all null, never told apart, all after the same hashing work.
 *
 * Checks go through the login throttle (which may refuse with TooManyLoginAttempts). Their
 * outcome is remembered in this process, keyed by an HMAC under a per-process random key:
 * verified credentials for five minutes, so a client sending Basic credentials on every request
 * costs a map lookup and a revocation check, not a database read and a hash; refused ones for
 * fifteen, so repeating a known-wrong pair is neither hashed nor counted again (it teaches a
 * guesser nothing). A password change, a disabled robot or any other revocation of the name
 * forgets both at once (RevocationEpochs). Identical credentials checked at the same moment
 * from one address share a single check.
 */
@Injectable()
export class Authenticator {
  private readonly memoKey = randomBytes(32);
  private readonly remembered = new Map<string, RememberedCheck>();
  private readonly checking = new Map<string, Promise<AuthenticatedPrincipal | null>>();

  constructor(
    private readonly users: UserService,
    private readonly robots: RobotService,
    private readonly throttle: LoginThrottle,
    private readonly revocations: RevocationEpochs,
  ) {}

  async authenticate(credentials: BasicCredentials, address: string | undefined): Promise<AuthenticatedPrincipal | null> {
    const { username, password } = credentials;
    if (username.length > 255 || password.length > 1024) return null;
    const memo = createHmac('sha256', this.memoKey).update(username).update('\0').update(password).digest('base64url');
    const known = await this.rememberedCheck(memo);
    if (known) return known.principal;
    const flight = `${memo}@${address ?? ''}`;
    let check = this.checking.get(flight);
    if (!check) {
      check = this.checkAdmitted(credentials, address, memo).finally(() => this.checking.delete(flight));
      this.checking.set(flight, check);
    }
    return check;
  }

  /** The principal a docker token was issued to (its `sub`), while the account still exists and is enabled. */
  async principalOf(subject: string): Promise<Principal | null> {
    if (subject === '') return null;
    if (subject.startsWith(ROBOT_PREFIX)) return this.robots.principalByName(subject);
    const user = await this.users.findByName(subject);
    return user ? { kind: 'user', id: user.user_id, username: user.username, sysadmin: user.sysadmin_flag } : null;
  }

  private async checkAdmitted({ username, password }: BasicCredentials, address: string | undefined, memo: string): Promise<AuthenticatedPrincipal | null> {
    const attempt = await this.throttle.admit(username, address);
    try {
      // taken before the account is read: a change committed during the check revokes this login
      const checkedAt = Date.now();
      const principal = await this.check(username, password);
      if (!principal) {
        await attempt.failed();
        this.remember(memo, { principal: null, subject: username, checkedAt, until: checkedAt + REMEMBER_REFUSED_MS });
        return null;
      }
      await attempt.succeeded();
      const authenticated: AuthenticatedPrincipal = { ...principal, checkedAt };
      const until = Math.min(Date.now() + REMEMBER_MS, (principal.kind === 'robot' ? principal.expiresAt : undefined) ?? Infinity);
      this.remember(memo, { principal: authenticated, subject: username, checkedAt, until });
      return authenticated;
    } catch (error) {
      if (error instanceof ConcurrencyLimitExceeded) throw new TooManyLoginAttempts(1000);
      throw error;
    } finally {
      attempt.release();
    }
  }

  private async check(username: string, password: string): Promise<UserPrincipal | RobotPrincipal | null> {
    if (username.startsWith(ROBOT_PREFIX)) return this.robots.authenticate(username, password);
    const user = await this.users.verifyPassword(username, password);
    return user ? { kind: 'user', id: user.user_id, username: user.username, sysadmin: user.sysadmin_flag } : null;
  }

  /** The outcome of an earlier check of these credentials, while it holds. */
  private async rememberedCheck(memo: string): Promise<RememberedCheck | null> {
    const entry = this.remembered.get(memo);
    if (!entry) return null;
    let revoked: boolean;
    try {
      revoked = entry.until <= Date.now() || (await this.revocations.revokedSince(entry.subject, entry.checkedAt));
    } catch {
      // revocation state unknown: check the credentials against the database instead
      return null;
    }
    if (revoked) {
      this.remembered.delete(memo);
      return null;
    }
    return entry;
  }

  private remember(memo: string, check: RememberedCheck): void {
    this.remembered.delete(memo);
    if (this.remembered.size >= REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(memo, check);
  }
}
