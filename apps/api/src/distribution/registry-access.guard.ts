import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
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
import { OciError } from '@wharf/registry-core';
import type { FastifyRequest } from 'fastify';
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
export class RegistryAccessGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tokens: DockerTokenService,
    private readonly access: ProjectAccess,
    private readonly projects: ProjectLookupService,
    private readonly revocations: RevocationEpochs,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const route = distributionRoute(request);
    const caller = await this.identify(request);
    attachCaller(request, caller);

    // the base and the catalog need some credentials (a token, even an anonymous one, will do):
    // `docker login` relies on the 401 to know where to log in
    if (route.kind === 'base' || route.kind === 'catalog') {
      if (!request.headers.authorization) throw this.challenge(request, route.kind === 'catalog' ? 'registry:catalog:*' : undefined);
      return true;
    }
    const action = requiredAction(route, request.method);
    const repository = route.repository;
    if (await caller.can(repository.name, action)) return true;
    // a system administrator pushing to a project that does not exist is told so by the handler
    const principal = await caller.principal();
    if (principal?.kind === 'user' && principal.sysadmin && !(await this.projects.findByName(repository.project))) return true;
    if (!caller.authenticated) throw this.challenge(request, `repository:${repository.name}:${action === 'pull' ? 'pull' : `pull,${action}`}`);
    // the same answer whether the project is private or missing, so its existence is not revealed
    throw new OciError('DENIED', `requested access to the resource is denied: ${action} on ${repository.name}`, { name: repository.name, action }, 403);
  }

  private async identify(request: FastifyRequest): Promise<RegistryCaller> {
    const header = request.headers.authorization;
    if (header && /^bearer /i.test(header)) {
      const verified = await this.tokens.verify(header.slice(7).trim());
      if (!verified) throw this.challenge(request, undefined, 'invalid or expired token');
      if (await this.revoked(verified)) throw this.challenge(request, undefined, 'the token has been revoked');
      const subject = verified.subject;
      let principal: Promise<Principal | null> | undefined;
      return {
        name: subject || 'anonymous',
        authenticated: subject !== '',
        principal: () => (principal ??= this.authenticator.principalOf(subject)),
        can: async (repository, action) => tokenAllows(verified.access, repository, action),
      };
    }
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
      can: async (repository, action) => {
        const project = await this.projects.findByName(repository.split('/')[0]);
        return (await this.access.permissions(principal, project)).has(REGISTRY_ACTION_PERMISSION[action]);
      },
    };
  }

  private async revoked(token: VerifiedToken): Promise<boolean> {
    if (token.subject === '') return false;
    try {
      return await this.revocations.revokedSince(token.subject, token.authenticatedAt);
    } catch (error) {
      if (error instanceof RevocationStateUnavailable) throw new OciError('UNAVAILABLE', 'cannot check the token right now; retry shortly', undefined, 503, { 'retry-after': '5' });
      throw error;
    }
  }

  private challenge(request: FastifyRequest, scope?: string, message = 'authentication required'): OciError {
    const realm = `${this.baseUrl(request)}/service/token`;
    const value = `Bearer realm="${realm}",service="${this.config.TOKEN_SERVICE}"${scope ? `,scope="${scope}"` : ''}`;
    return new OciError('UNAUTHORIZED', message, undefined, 401, { 'www-authenticate': value });
  }

  private baseUrl(request: FastifyRequest): string {
    if (this.config.EXTERNAL_URL) return this.config.externalUrl;
    const proto = String(request.headers['x-forwarded-proto'] ?? request.protocol).split(',')[0].trim();
    return `${proto}://${request.headers.host ?? `127.0.0.1:${this.config.PORT}`}`;
  }
}

/** Method -> action (CONTRACTS.md section 2): reads pull, writes push, DELETE delete (cancelling an upload is part of pushing). */
function requiredAction(route: Exclude<DistributionRoute, { kind: 'base' | 'catalog' }>, method: string): RegistryAction {
  if (route.kind === 'uploads' || route.kind === 'upload') return 'push';
  if (method === 'GET' || method === 'HEAD') return 'pull';
  if (method === 'DELETE') return 'delete';
  return 'push';
}
