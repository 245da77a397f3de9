import type { Principal, TokenAccess } from '@wharf/iam';

/**
 * Who is calling /v2 and what they may do, however they proved it: a docker token (its
 * `access` claim is the whole answer) or Basic credentials / nobody (decided by the project
 * permission model). Handlers ask it for second repositories (the source of a mount) and for
 * the catalog's visibility.
 */
export interface RegistryCaller {
  /** for logs and the audit log */
  readonly name: string;
  /** a user or robot proved who they are (a token with a subject, or good Basic credentials) */
  readonly authenticated: boolean;
  /** the account behind the call, when it still exists (null for anonymous) */
  principal(): Promise<Principal | null>;
  /** `action`: pull, push or delete on `repository` (`<project>/<path>`) */
  can(repository: string, action: 'pull' | 'push' | 'delete'): Promise<boolean>;
  /**
   * the caller came with a docker token that lacks `action` on `repository` although its subject
   * holds that right now: a wider token would be granted (401 insufficient_scope, not 403)
   */
  mayWiden(repository: string, action: 'pull' | 'push' | 'delete'): Promise<boolean>;
}

const callerKey = Symbol('registryCaller');

export function attachCaller(request: object, caller: RegistryCaller): void {
  (request as { [callerKey]?: RegistryCaller })[callerKey] = caller;
}

export function registryCaller(request: object): RegistryCaller {
  const caller = (request as { [callerKey]?: RegistryCaller })[callerKey];
  if (!caller) throw new Error('RegistryAccess did not admit this request');
  return caller;
}

/** The caller, when RegistryAccess identified one (the access log asks every request). */
export function findRegistryCaller(request: object): RegistryCaller | undefined {
  return (request as { [callerKey]?: RegistryCaller })[callerKey];
}

/** Does a token's access claim allow `action` on `repository`? */
export function tokenAllows(access: TokenAccess[], repository: string, action: string): boolean {
  return access.some((a) => a.type === 'repository' && a.name === repository && (a.actions.includes(action) || a.actions.includes('*')));
}
