// The layering rule, enforced by eslint's built-in `no-restricted-imports` (no plugin needed).
//
// Imports run one way: apps -> domain libs -> platform libs. A lib never imports an app; a platform
// lib never imports a domain lib; apps/api reaches storage only through registry-core. Every lib
// lists the `@wharf/*` libs it may import: the graph below is the one the code had when the rule was
// written, so a new edge is a deliberate edit here, reviewed like any other change of design.
// The table is checked when eslint loads it: a platform lib depending on a domain lib, an unknown
// name or a cycle makes `npm run lint` fail before it lints anything.

/** Infrastructure every domain may use; none of them knows about a domain. */
const platform = {
  config: [],
  errors: [],
  // the Prometheus registry and metric definitions; libs count, apps serve the listener
  metrics: [],
  db: ['config'],
  redis: ['config'],
  secrets: ['config'],
  storage: ['config'],
  // the outbox every domain writes its facts to; consumers (webhooks, audit) are domain libs
  events: ['db'],
  jobs: ['config', 'db', 'errors'],
  'registry-core': ['config', 'db', 'errors', 'storage'],
};

/** Domain libs: each may use platform libs it names and the domain libs below it (a DAG). */
const domain = {
  // the audit log derives artifact entries from the event stream (AuditEventConsumer)
  audit: ['db', 'events'],
  // domain libs write the audit entry of a change in the change's own transaction (AuditTrail)
  iam: ['audit', 'config', 'db', 'errors', 'redis'],
  labels: ['db', 'errors'],
  immutability: ['db', 'errors', 'registry-core'],
  registries: ['audit', 'config', 'db', 'errors', 'secrets'],
  projects: ['audit', 'db', 'errors', 'events', 'iam', 'registry-core'],
  artifacts: ['audit', 'config', 'db', 'errors', 'events', 'immutability', 'labels', 'metrics', 'redis', 'registry-core'],
  gc: ['artifacts', 'audit', 'config', 'db', 'errors', 'jobs', 'metrics', 'redis', 'registry-core', 'storage'],
  'proxy-cache': ['artifacts', 'config', 'db', 'errors', 'metrics', 'redis', 'registries', 'registry-core'],
  webhooks: ['config', 'db', 'errors', 'events', 'jobs', 'projects', 'secrets'],
  // scanner registrations (Harbor's scanner_registration), their sealed credentials
  scanners: ['audit', 'config', 'db', 'errors', 'secrets'],
  // policies name endpoints (registries), list this Wharf's artifacts (artifacts), react to pushes and
  // deletes (events), run as executions and tasks (jobs), audit their changes in the change's transaction;
  // the copy engine streams blobs through registry-core's BlobStore (and so charges the quota ledger)
  replication: ['artifacts', 'audit', 'config', 'db', 'errors', 'events', 'jobs', 'registries', 'registry-core'],
  // P2P preheat: instances (sealed auth), policies selecting artifacts, pull-only tokens for the providers, executions
  preheat: ['artifacts', 'audit', 'config', 'db', 'errors', 'events', 'iam', 'jobs', 'scanning', 'secrets'],
  // vulnerability scanning: scans through registered adapters, their reports, the policies that read them
  scanning: ['artifacts', 'audit', 'config', 'db', 'errors', 'events', 'iam', 'jobs', 'registry-core', 'scanners'],
  // tag retention: removes through the artifact commands, sets the project's retention_id, runs the proxy cache's TTL
  retention: ['artifacts', 'audit', 'config', 'db', 'errors', 'immutability', 'jobs', 'projects', 'proxy-cache'],
};

/** What each app may not import: the api reaches storage through registry-core (BlobStore, RegistryCoreModule). */
const appBans = {
  api: ['storage'],
  worker: [],
  dev: [],
  // the scanner is an adapter beside Wharf, not a part of it: it pulls images over the distribution API
  // (@wharf/registries' client) and keeps its own table; Wharf's content and domain stay out of its reach
  // (every domain lib but registries, so a new one is banned too)
  scanner: [...Object.keys(domain).filter((name) => name !== 'registries'), 'storage', 'registry-core', 'events', 'secrets'],
};

/** Why, in the message eslint shows. */
const appBanReasons = {
  api: '(storage is reached through @wharf/registry-core)',
  scanner: '(the scanner is an adapter beside Wharf: it reads images over the distribution API with @wharf/registries, never Wharf\'s content or domain)',
};

const libs = { ...platform, ...domain };
const allLibs = Object.keys(libs);

function checkGraph() {
  for (const [name, deps] of Object.entries(libs)) {
    for (const dep of deps) {
      if (!(dep in libs)) throw new Error(`eslint.layers.mjs: ${name} depends on unknown lib ${dep}`);
      if (name in platform && dep in domain) throw new Error(`eslint.layers.mjs: platform lib ${name} may not depend on domain lib ${dep}`);
    }
  }
  const state = {};
  const visit = (name, path) => {
    if (state[name] === 'done') return;
    if (state[name] === 'open') throw new Error(`eslint.layers.mjs: cycle ${[...path, name].join(' -> ')}`);
    state[name] = 'open';
    for (const dep of libs[name]) visit(dep, [...path, name]);
    state[name] = 'done';
  };
  for (const name of allLibs) visit(name, []);
}
checkGraph();

const wharf = (name) => [`@wharf/${name}`, `@wharf/${name}/**`];

/** Relative paths that climb out of a package into an app or another lib's sources. */
const crossPackagePaths = ['**/apps/**', '../../*/src', '../../*/src/**', '**/libs/**'];

/**
 * Nest's HTTP exceptions: a lib raises a domain error (`@wharf/errors`) and apps/api maps it to its
 * protocol's answer (OCI JSON on /v2, Harbor's JSON on /api/v2.0); a lib never picks a status.
 */
const HTTP_EXCEPTIONS = [
  'HttpException',
  'HttpStatus',
  'BadRequestException',
  'UnauthorizedException',
  'ForbiddenException',
  'NotFoundException',
  'MethodNotAllowedException',
  'NotAcceptableException',
  'RequestTimeoutException',
  'ConflictException',
  'GoneException',
  'PreconditionFailedException',
  'PayloadTooLargeException',
  'UnsupportedMediaTypeException',
  'UnprocessableEntityException',
  'ImATeapotException',
  'MisdirectedException',
  'InternalServerErrorException',
  'NotImplementedException',
  'BadGatewayException',
  'ServiceUnavailableException',
  'GatewayTimeoutException',
  'HttpVersionNotSupportedException',
];
const DOMAIN_ERRORS_ONLY = 'libs raise domain errors from @wharf/errors (NotFoundError, DeniedError, ...); apps/api maps them to HTTP answers';

/** Protocol-shaped error types by name (they live in apps/api): a lib neither imports nor declares one. */
const protocolErrorTypes = ['ImportSpecifier[imported.name=/^(OciError|ApiError)$/]', 'ClassDeclaration[id.name=/^(OciError|ApiError)$/]'].map((selector) => ({
  selector,
  message: `${DOMAIN_ERRORS_ONLY}: OciError lives in apps/api/src/distribution, ApiError in apps/api/src/management`,
}));

function restrict(file, banned, reason, { lib = false } = {}) {
  const patterns = [];
  if (banned.length) patterns.push({ group: banned.flatMap(wharf), message: reason });
  patterns.push({ group: crossPackagePaths, message: 'import another package by its @wharf/* name, and never an app from a lib' });
  const paths = lib ? [{ name: '@nestjs/common', importNames: HTTP_EXCEPTIONS, message: DOMAIN_ERRORS_ONLY }] : [];
  const rules = { 'no-restricted-imports': ['error', { paths, patterns }] };
  if (lib) rules['no-restricted-syntax'] = ['error', ...protocolErrorTypes];
  return { files: [file], rules };
}

export const layerRules = [
  ...Object.entries(libs).map(([name, deps]) => {
    const banned = allLibs.filter((other) => other !== name && !deps.includes(other));
    const layer = name in platform ? 'platform' : 'domain';
    return restrict(
      `libs/${name}/**/*.ts`,
      banned,
      `layering: ${layer} lib ${name} may import only @wharf/{${deps.join(',')}} (apps -> domain libs -> platform libs; see docs/architecture.md and eslint.layers.mjs)`,
      { lib: true },
    );
  }),
  ...Object.entries(appBans).map(([name, banned]) =>
    restrict(`apps/${name}/**/*.ts`, banned, `layering: apps/${name} may not import @wharf/{${banned.join(',')}} ${appBanReasons[name] ?? ''}`.trim()),
  ),
];
