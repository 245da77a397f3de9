import type { SqlExecutor } from '@wharf/db';

/**
 * A proxy-cache project holds what its upstream serves and nothing else: a tag planted or moved
 * in it by hand would be served to everyone who pulls through it (and served alone whenever the
 * upstream is down). So every command that adds or changes artifacts or tags in a project (a
 * client push, a copy, a tag create; replication when it comes) asks here, inside the command
 * rather than at each edge, and no caller can forget it. Only StoreManifestCommand.storeFromUpstream, the proxy
 * itself, writes into a proxy project. Deleting from the cache stays allowed, as in Harbor.
 *
 * Locks the project row FOR KEY SHARE (inside the caller's transaction the project cannot be
 * deleted before it commits) and throws `refusal(message)`, in the caller's protocol, when the
 * project is a proxy cache. (Whether it is one never changes after the project is created.)
 */
export async function lockWritableProject(db: SqlExecutor, projectId: number, refusal: (message: string) => Error): Promise<void> {
  const rows = await db.query<{ name: string; registry_id: number | null }>(`SELECT name, registry_id FROM project WHERE project_id = $1 FOR KEY SHARE`, [projectId]);
  if (rows[0]) refuseIfProxyCache(rows[0], refusal);
}

/** Throws `refusal(message)` when the project (its row as read) is a proxy cache: `lockWritableProject` without the lock, for checks a transaction repeats. */
export function refuseIfProxyCache(project: { name: string; registry_id: number | null }, refusal: (message: string) => Error): void {
  if (project.registry_id !== null) throw refusal(proxyCacheRefusalMessage(project.name));
}

/** Why a write into the proxy-cache project `name` is refused. */
export function proxyCacheRefusalMessage(name: string): string {
  return `project ${name} is a proxy cache: its content comes from its upstream registry, so artifacts and tags cannot be pushed, copied or tagged into it; use a regular project instead`;
}
