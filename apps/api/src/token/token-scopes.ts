import { Injectable } from '@nestjs/common';
import { ProjectAccess, REGISTRY_ACTION_PERMISSION, type Principal, type TokenAccess } from '@wharf/iam';
import { ProjectLookupService } from '@wharf/projects';
import { parseRepositoryName } from '@wharf/registry-core';

const MAX_SCOPES = 50;

/**
 * Reduces requested scopes (`repository:<name>:<actions>`, `registry:catalog:*`) to the
 * caller's rights. The catalog is granted to everyone: the listing itself shows each caller
 * only what they may pull.
 */
@Injectable()
export class TokenScopes {
  constructor(
    private readonly access: ProjectAccess,
    private readonly projects: ProjectLookupService,
  ) {}

  async grant(principal: Principal, requested: string[]): Promise<TokenAccess[]> {
    const granted: TokenAccess[] = [];
    for (const scope of requested.slice(0, MAX_SCOPES)) {
      const parsed = parseScope(scope);
      if (!parsed) continue;
      if (parsed.type === 'registry' && parsed.name === 'catalog') {
        granted.push({ type: 'registry', name: 'catalog', actions: parsed.actions.includes('*') ? ['*'] : [] });
        continue;
      }
      if (parsed.type !== 'repository') continue;
      granted.push({ type: 'repository', name: parsed.name, actions: await this.allowed(principal, parsed.name, parsed.actions) });
    }
    return granted;
  }

  private async allowed(principal: Principal, repository: string, actions: string[]): Promise<string[]> {
    let projectName: string;
    try {
      projectName = parseRepositoryName(repository).project;
    } catch {
      return [];
    }
    const project = await this.projects.findByName(projectName);
    const permissions = await this.access.permissions(principal, project);
    const wanted = actions.includes('*') ? ['pull', 'push', 'delete'] : actions;
    return [...new Set(wanted.filter((action) => REGISTRY_ACTION_PERMISSION[action] && permissions.has(REGISTRY_ACTION_PERMISSION[action])))];
  }
}

/** `type:name:actions`; the name may itself contain colons (a registry host with a port). */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}
