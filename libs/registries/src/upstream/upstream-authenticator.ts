import type { RegistryCredential } from '../registry-endpoint';
import { BearerTokenCache } from './bearer-token-cache';
import type { AuthChallenge } from './www-authenticate';
import { describeUrl, errorForStatus } from './upstream-failure';
import { UpstreamProtocolError } from './upstream-registry';

/** GET of a token realm; the client supplies it so tokens go through the same agent and error classification. */
export type TokenFetcher = (url: URL, headers: Record<string, string>, signal?: AbortSignal) => Promise<{ status: number; body: Buffer }>;

/**
 * Answers an upstream's auth challenge with the endpoint's credential, and remembers which
 * scheme the upstream wants so later requests carry the Authorization header up front instead
 * of paying a 401 round trip each time. Never puts a secret in an error message.
 */
export class UpstreamAuthenticator {
  private challenge: AuthChallenge | null = null;
  private readonly tokens = new BearerTokenCache();

  constructor(
    private readonly credential: RegistryCredential | null,
    private readonly fetchToken: TokenFetcher,
  ) {}

  /** The Authorization header for a request in `scope` (a repository pull scope, or none for /v2/), if we know one. */
  async authorization(scope: string | undefined, signal?: AbortSignal): Promise<string | undefined> {
    // an oauth credential is a bearer token issued elsewhere: sent as it is, whatever the challenge
    if (this.credential?.type === 'oauth') return `Bearer ${this.credential.accessSecret}`;
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basicHeader();
    if (this.challenge.scheme === 'bearer') return `Bearer ${await this.bearerToken(this.challenge, scope, signal)}`;
    return undefined;
  }

  /**
   * Takes a 401's challenge into account; returns whether a retry can succeed (false: we have
   * nothing new to offer, so the 401 stands).
   */
  acceptChallenge(challenge: AuthChallenge | null, scope: string | undefined): boolean {
    if (this.credential?.type === 'oauth' || !challenge) return false;
    if (challenge.scheme === 'basic') {
      if (!this.credential) return false;
      const wasBasic = this.challenge?.scheme === 'basic';
      this.challenge = challenge;
      return !wasBasic;
    }
    if (challenge.scheme === 'bearer') {
      if (!challenge.params.realm) throw new UpstreamProtocolError('Bearer challenge without a realm');
      // a token we already hold was refused: drop it so the retry fetches a fresh one
      if (this.challenge?.scheme === 'bearer') this.tokens.invalidate(tokenKey(this.challenge, scope));
      this.challenge = challenge;
      return true;
    }
    return false;
  }

  private basicHeader(): string | undefined {
    if (!this.credential) return undefined;
    return `Basic ${Buffer.from(`${this.credential.accessKey}:${this.credential.accessSecret}`).toString('base64')}`;
  }

  private bearerToken(challenge: AuthChallenge, scope: string | undefined, signal?: AbortSignal): Promise<string> {
    return this.tokens.get(tokenKey(challenge, scope), async () => {
      let realm: URL;
      try {
        realm = new URL(challenge.params.realm);
      } catch {
        throw new UpstreamProtocolError('Bearer challenge with an invalid realm');
      }
      if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
      // several scopes (a cross-repository mount: push here, pull there) are one `scope` parameter each
      for (const one of (scope ?? '').split(' ').filter(Boolean)) realm.searchParams.append('scope', one);
      const headers: Record<string, string> = {};
      const basic = this.basicHeader();
      if (basic) headers.authorization = basic;
      const answer = await this.fetchToken(realm, headers, signal);
      if (answer.status !== 200) throw errorForStatus(answer.status, `token service ${describeUrl(realm)}`);
      let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
      try {
        parsed = JSON.parse(answer.body.toString('utf8'));
      } catch {
        throw new UpstreamProtocolError(`token service ${describeUrl(realm)} answered something other than JSON`);
      }
      const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
      if (typeof token !== 'string' || !token) throw new UpstreamProtocolError(`token service ${describeUrl(realm)} issued no token`);
      return { token, expiresIn: typeof parsed.expires_in === 'number' ? parsed.expires_in : undefined };
    });
  }
}

function tokenKey(challenge: AuthChallenge, scope: string | undefined): string {
  return `${challenge.params.realm}\n${challenge.params.service ?? ''}\n${scope ?? ''}`;
}
