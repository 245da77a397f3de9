import { Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import {
  ANONYMOUS,
  Authenticator,
  DockerTokenService,
  ProjectAccess,
  REGISTRY_ACTION_PERMISSION,
  RevocationEpochs,
  RevocationStateUnavailable,
  parseBasicAuthorization,
  principalName,
  type Principal,
  type VerifiedToken,
} from '@wharf/iam';
import { ProjectLookupService } from '@wharf/projects';
import { OciError } from './oci-error';
import type { FastifyRequest } from 'fastify';
import { BasicAccessMemo } from './basic-access-memo';
import { distributionRoute, type DistributionRoute } from './distribution-route';
import { attachCaller, tokenAllows, type RegistryCaller } from './registry-caller';

type RegistryAction = 'pull' | 'push' | 'delete';

/**
 * The one place /v2 access is decided (CONTRACTS.md section 2). Bearer tokens from
 * /service/token carry their own (already reduced) access; Basic credentials are checked and
 * judged by the project permission model; nobody gets what public projects allow. Without
 * enough access: 401 with a WWW-Authenticate challenge naming the scope when the caller is
 * anonymous, 403 DENIED when a known caller lacks the right. A private project the caller
 * cannot see answers like a missing one. A token whose subject was revoked after its
 * credentials were checked (RevocationEpochs) is refused like an expired one.
 */
@Injectable()
export class RegistryAccess {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tokens: DockerTokenService,
    private readonly access: ProjectAccess,
    private readonly projects: ProjectLookupService,
    private readonly revocations: RevocationEpochs,
    private readonly config: AppConfig,
    private readonly basicAccess: BasicAccessMemo,
  ) {}

  /** Admits the request (its caller attached for the handler: registryCaller) or throws the OciError to answer. */
  async admit(request: FastifyRequest): Promise<void> {
    const route = distributionRoute(request);
    const caller = await this.identify(request);
    attachCaller(request, caller);

    // the base and the catalog need some credentials (a token, even an anonymous one, will do):
    // `docker login` relies on the 401 to know where to log in
    if (route.kind === 'base' || route.kind === 'catalog') {
      if (!request.headers.authorization) throw this.challenge(request, route.kind === 'catalog' ? 'registry:catalog:*' : undefined);
      return;
    }
    const action = requiredAction(route, request.method);
    const repository = route.repository;
    if (await caller.can(repository.name, action)) {
      await this.checkMountSource(request, route, caller);
      return;
    }
    // a system administrator pushing to a project that does not exist is told so by the handler
    const principal = await caller.principal();
    if (principal?.kind === 'user' && principal.sysadmin && !(await this.projects.findByName(repository.project))) return;
    if (!caller.authenticated) throw this.challenge(request, repositoryScope(repository.name, action));
    // as distribution does: a token narrower than what its subject holds (docker pulled first, now
    // pushes) is a 401 naming the scope, and the client fetches a wider token
    if (await caller.mayWiden(repository.name, action)) throw this.insufficientScope(request, [repositoryScope(repository.name, action)]);
    // a wider token would not help (the token service grants only what is held): the same answer
    // whether the project is private or missing, so its existence is not revealed
    throw new OciError('DENIED', `requested access to the resource is denied: ${action} on ${repository.name}`, { name: repository.name, action }, 403);
  }

  /**
   * A cross-repository mount needs pull on the source as well (distribution asks for it): a token
   * without it whose subject holds it is challenged for both scopes. One the subject cannot pull
   * from is left to the handler, which starts an ordinary upload instead of mounting.
   */
  private async checkMountSource(request: FastifyRequest, route: DistributionRoute, caller: RegistryCaller): Promise<void> {
    if (route.kind !== 'uploads' || request.method !== 'POST') return;
    const { mount, from } = (request.query ?? {}) as { mount?: unknown; from?: unknown };
    if (typeof mount !== 'string' || typeof from !== 'string' || from === route.repository.name) return;
    if (projectOf(from) === route.repository.project) return;
    if (await caller.mayWiden(from, 'pull')) throw this.insufficientScope(request, [repositoryScope(route.repository.name, 'push'), repositoryScope(from, 'pull')]);
  }

  private async identify(request: FastifyRequest): Promise<RegistryCaller> {
    const header = request.headers.authorization;
    if (header && /^bearer /i.test(header)) return this.identifyByToken(request, header.slice(7).trim());
    const credentials = parseBasicAuthorization(header);
    let principal: Principal = ANONYMOUS;
    if (credentials !== undefined) {
      const authenticated = credentials ? await this.authenticator.authenticate(credentials, request.ip) : null;
      if (!authenticated) throw this.challenge(request, undefined, 'invalid username or password');
      principal = authenticated;
    }
    return {
      name: principalName(principal),
      authenticated: principal.kind !== 'anonymous',
      principal: async () => (principal.kind === 'anonymous' ? null : principal),
      can: (repository, action) => this.allowedToBasic(principal, repository, action),
      // Basic credentials are judged by what is held: there is no narrower token to widen
      mayWiden: async () => false,
    };
  }

  /**
   * A token's access claim is the answer, unless it was revoked since its credentials were checked:
   * its subject's rights changed (401, as for an expired token), or the project it names was
   * deleted or went private (401 for that repository, so the client fetches a new token).
   *
   * Redis not answering (and what this replica last read too old to trust): nothing can be revoked
   * meanwhile (a change of rights fails without Redis), so the registry keeps serving, and each
   * request is judged against the rights the subject holds now, read from Postgres, as with Basic
   * credentials: a deleted or disabled account, a removed membership or a deleted project counts.
   */
  private async identifyByToken(request: FastifyRequest, encoded: string): Promise<RegistryCaller> {
    const verified = await this.tokens.verify(encoded);
    if (!verified) throw this.challenge(request, undefined, 'invalid or expired token');
    const subject = verified.subject;
    let principal: Promise<Principal | null> | undefined;
    const principalOf = () => (principal ??= this.authenticator.principalOf(subject));
    const revoked = await this.revokedSubject(verified);
    if (revoked === true) throw this.challenge(request, undefined, 'the token has been revoked');
    if (revoked === 'unknown' && subject !== '' && !(await principalOf())) throw this.challenge(request, undefined, 'the token has been revoked');
    const currentRights = async (repository: string, action: RegistryAction) => this.allowedNow((await principalOf()) ?? ANONYMOUS, repository, action);
    return {
      name: subject || 'anonymous',
      authenticated: subject !== '',
      principal: principalOf,
      can: async (repository, action) => {
        if (!tokenAllows(verified.access, repository, action)) return false;
        const projectRevoked = revoked === 'unknown' ? 'unknown' : await revocationState(() => this.revocations.projectAccessRevokedSince(projectOf(repository), verified.authenticatedAt));
        if (projectRevoked === 'unknown') return currentRights(repository, action);
        if (!projectRevoked) return true;
        // 401, not 403: the client fetches a new token, which carries whatever access is right now
        throw this.challenge(request, repositoryScope(repository, action), 'the token predates a change of access to this project; fetch a new one');
      },
      mayWiden: async (repository, action) => !tokenAllows(verified.access, repository, action) && (await currentRights(repository, action)),
    };
  }

  /** Whether the token's subject was revoked since its credentials were checked; 'unknown' while the revocation state cannot be read. */
  private async revokedSubject(token: VerifiedToken): Promise<boolean | 'unknown'> {
    if (token.subject === '') return false;
    return revocationState(() => this.revocations.revokedSince(token.subject, token.authenticatedAt));
  }

  /**
   * Basic credentials (or none): what the permission model grants, remembered briefly per user or
   * robot and project with the revocations a token is subject to (BasicAccessMemo), so a client
   * sending them on every request does not pay a project and membership read each time.
   */
  private async allowedToBasic(principal: Principal, repository: string, action: RegistryAction): Promise<boolean> {
    if (principal.kind === 'anonymous') return this.allowedNow(principal, repository, action);
    const project = projectOf(repository);
    return this.basicAccess.allows(principalName(principal), project, REGISTRY_ACTION_PERMISSION[action], async () =>
      this.access.permissions(principal, await this.projects.findByName(project)),
    );
  }

  /** What the project permission model grants `principal` now. */
  private async allowedNow(principal: Principal, repository: string, action: RegistryAction): Promise<boolean> {
    const project = await this.projects.findByName(projectOf(repository));
    return (await this.access.permissions(principal, project)).has(REGISTRY_ACTION_PERMISSION[action]);
  }

  private challenge(request: FastifyRequest, scope?: string, message = 'authentication required', error?: 'insufficient_scope'): OciError {
    const realm = `${this.baseUrl(request)}/service/token`;
    const value = `Bearer realm="${realm}",service="${this.config.TOKEN_SERVICE}"${scope ? `,scope="${scope}"` : ''}${error ? `,error="${error}"` : ''}`;
    return new OciError('UNAUTHORIZED', message, undefined, 401, { 'www-authenticate': value });
  }

  /** distribution's answer to a token without the scopes a request needs (RFC 6750 insufficient_scope) */
  private insufficientScope(request: FastifyRequest, scopes: string[]): OciError {
    return this.challenge(request, scopes.join(' '), 'authentication required: the token does not grant the scope this request needs', 'insufficient_scope');
  }

  /** EXTERNAL_URL, else the scheme and host the client used: X-Forwarded-Proto/-Host only from TRUSTED_PROXIES (Fastify's trustProxy) */
  private baseUrl(request: FastifyRequest): string {
    if (this.config.EXTERNAL_URL) return this.config.externalUrl;
    return `${request.protocol}://${request.host || `127.0.0.1:${this.config.PORT}`}`;
  }
}

/** Method -> action (CONTRACTS.md section 2), as distribution has it: reads pull, writes push, every DELETE (an upload's cancel too) delete. */
function requiredAction(route: Exclude<DistributionRoute, { kind: 'base' | 'catalog' }>, method: string): RegistryAction {
  if (method === 'DELETE') return 'delete';
  if (route.kind === 'uploads' || route.kind === 'upload') return 'push';
  if (method === 'GET' || method === 'HEAD') return 'pull';
  return 'push';
}

/** The scope a docker client asks a token for to do `action` on `repository`. */
function repositoryScope(repository: string, action: RegistryAction): string {
  return `repository:${repository}:${action === 'pull' ? 'pull' : `pull,${action}`}`;
}

/** The project of `<project>/<path>`. */
function projectOf(repository: string): string {
  return repository.split('/')[0];
}

/** A revocation check's answer, or 'unknown' while the revocation state cannot be read (Redis). */
async function revocationState(check: () => Promise<boolean>): Promise<boolean | 'unknown'> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof RevocationStateUnavailable) return 'unknown';
    throw error;
  }
}
