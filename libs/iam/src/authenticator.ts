import { Injectable } from '@nestjs/common';
import { LoginThrottle } from './login-throttle';
import type { Principal } from './principal';
import { ROBOT_PREFIX, RobotService } from './robot.service';
import { UserService } from './user.service';

export interface BasicCredentials {
  username: string;
  password: string;
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
 * Checks user or robot credentials (robots log in as `robot$...`), with failed attempts slowed
 * down per name and address. Wrong name, wrong password, disabled or expired robot: all null,
 * never told apart.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly users: UserService,
    private readonly robots: RobotService,
    private readonly throttle: LoginThrottle,
  ) {}

  async authenticate(credentials: BasicCredentials, address: string | undefined): Promise<Principal | null> {
    const { username, password } = credentials;
    if (username.length > 255 || password.length > 1024) return null;
    const hadFailures = await this.throttle.beforeAttempt(username, address);
    const principal = await this.check(username, password);
    if (!principal) await this.throttle.failed(username, address);
    else if (hadFailures) await this.throttle.succeeded(username);
    return principal;
  }

  /** The principal a docker token was issued to (its `sub`), while the account still exists and is enabled. */
  async principalOf(subject: string): Promise<Principal | null> {
    if (subject === '') return null;
    if (subject.startsWith(ROBOT_PREFIX)) return this.robots.principalByName(subject);
    const user = await this.users.findByName(subject);
    return user ? { kind: 'user', id: user.user_id, username: user.username, sysadmin: user.sysadmin_flag } : null;
  }

  private async check(username: string, password: string): Promise<Principal | null> {
    if (username.startsWith(ROBOT_PREFIX)) return this.robots.authenticate(username, password);
    const user = await this.users.verifyPassword(username, password);
    return user ? { kind: 'user', id: user.user_id, username: user.username, sysadmin: user.sysadmin_flag } : null;
  }
}
