import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { TokenSigningKeys } from './token-signing-keys';

/** One entry of a token's `access` claim (docker distribution token format). */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface IssuedToken {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

export interface VerifiedToken {
  subject: string;
  access: TokenAccess[];
  /** unix ms when the subject's credentials were checked: a revocation after it voids the token */
  authenticatedAt: number;
}

export interface TokenOptions {
  /** unix ms when the subject's credentials were checked (default: now) */
  authenticatedAt?: number;
  /** unix ms the token must not outlive (a robot's expiry) */
  notAfter?: number;
  /** seconds the token lives instead of TOKEN_EXPIRATION_MINUTES (a preheat provider's token lives as long as its task may run) */
  lifetimeSeconds?: number;
}

const ISSUER = 'wharf-token-service';
const VERIFIED_CACHE_SIZE = 5000;

/**
 * Issues and verifies the RS256 JWTs docker clients present on /v2 (CONTRACTS.md section 2).
 * Besides the standard claims a token carries `auth_time` (seconds, with milliseconds) for
 * revocation checks, and never outlives a robot's expiry.
 */
@Injectable()
export class DockerTokenService {
  // a docker client sends the same token on every request of a push or pull: verify its RS256
  // signature once, then until it expires it costs a map lookup
  private readonly verified = new Map<string, { result: VerifiedToken; expiresAt: number }>();

  constructor(
    private readonly keys: TokenSigningKeys,
    private readonly config: AppConfig,
  ) {}

  async issue(subject: string, access: TokenAccess[], options: TokenOptions = {}): Promise<IssuedToken> {
    const key = await this.keys.current();
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const lifetime = options.lifetimeSeconds ?? this.config.TOKEN_EXPIRATION_MINUTES * 60;
    const expiresIn = options.notAfter === undefined ? lifetime : Math.max(1, Math.min(lifetime, Math.floor((options.notAfter - nowMs) / 1000)));
    const token = jwt.sign({ access, auth_time: (options.authenticatedAt ?? nowMs) / 1000 }, key.privateKey, {
      algorithm: 'RS256',
      keyid: key.kid,
      issuer: ISSUER,
      subject,
      audience: this.config.TOKEN_SERVICE,
      expiresIn,
      notBefore: -1,
      jwtid: randomUUID(),
    });
    return { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() };
  }

  /** The token's subject and access when signature, issuer, audience and times check out; else null. */
  async verify(token: string): Promise<VerifiedToken | null> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.result;
    if (cached) this.verified.delete(token);
    const checked = await this.check(token);
    if (checked) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, checked);
    }
    return checked?.result ?? null;
  }

  private async check(token: string): Promise<{ result: VerifiedToken; expiresAt: number } | null> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string' || decoded.header.alg !== 'RS256' || !decoded.header.kid) return null;
    const key = await this.keys.byId(decoded.header.kid);
    if (!key) return null;
    try {
      const claims = jwt.verify(token, key.publicKey, { algorithms: ['RS256'], issuer: ISSUER, audience: this.config.TOKEN_SERVICE, clockTolerance: 5 }) as jwt.JwtPayload;
      const access = Array.isArray(claims.access) ? (claims.access as TokenAccess[]) : [];
      // tokens issued before auth_time existed: their issue time (a whole second, so never later than the check)
      const authenticatedAt = typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : (claims.iat ?? 0) * 1000;
      return { result: { subject: typeof claims.sub === 'string' ? claims.sub : '', access, authenticatedAt }, expiresAt: (claims.exp ?? 0) * 1000 };
    } catch {
      return null;
    }
  }
}
