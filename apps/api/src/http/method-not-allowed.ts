import type { FastifyInstance } from 'fastify';

interface KnownRoute {
  pattern: RegExp;
  methods: Set<string>;
}

const tables = new WeakMap<FastifyInstance, KnownRoute[]>();

/**
 * Records every route as it is registered, so a request no route answers can be told apart: a
 * known path asked with another method (405, with the methods it takes in `Allow`) or an unknown
 * path (404). Must run before the routes are registered (Nest registers them at init).
 */
export function trackRoutes(fastify: FastifyInstance): void {
  const table: KnownRoute[] = [];
  tables.set(fastify, table);
  fastify.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    const pattern = patternOf(route.url);
    const known = table.find((entry) => entry.pattern.source === pattern.source);
    if (known) methods.forEach((m) => known.methods.add(m));
    else table.push({ pattern, methods: new Set(methods) });
  });
}

/** The methods the path's routes take (HEAD with GET), or [] when no route has this path. */
export function allowedMethods(fastify: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0];
  const methods = new Set<string>();
  for (const route of tables.get(fastify) ?? []) {
    if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** `/api/v2.0/projects/:project_name/robots` -> a regular expression matching concrete paths. */
function patternOf(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+(?:\([^)]*\))?|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}
