/**
 * A private Docker engine for tests that drive the real docker client (push/pull against Wharf).
 *
 *   const dockerHost = ensureDocker();          // sync; starts or reuses the engine
 *   const d = dockerHost ? describe : describe.skip;
 *   await docker(dockerHost!, ['run', '--rm', '--network', 'none', image, 'echo', 'hi']);
 *
 * The engine is test/support/dockerd.sh's: state under <repo>/.test-services/dockerd, no bridge
 * network (containers need `--network none`), registries on 127.0.0.0/8 insecure-allowed. It is
 * started at most once per jest run (the script reuses an engine whose socket answers) and is
 * left running for the next run; `stopDocker()` (global teardown, or `.ci/run`) stops it.
 *
 * Without docker installed (or not root): outside CI, ensureDocker() prints a loud warning and
 * returns undefined so those suites skip; with CI set it throws, so CI never skips them silently.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const DOCKERD_DIR = path.join(REPO_ROOT, '.test-services', 'dockerd');
const DOCKERD_SCRIPT = path.join(__dirname, 'dockerd.sh');
/** the client's config dir (docker login credentials): private, so tests never touch ~/.docker */
export const DOCKER_CONFIG_DIR = path.join(DOCKERD_DIR, 'client-config');
/** set in the jest process (and inherited by workers) once the engine answers */
const HOST_ENV = 'WHARF_TEST_DOCKER_HOST';

const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

let cachedHost: string | undefined;

/** environment for a docker CLI call against the test engine */
export function dockerEnv(dockerHost: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  fs.mkdirSync(DOCKER_CONFIG_DIR, { recursive: true });
  return {
    ...process.env,
    DOCKER_HOST: dockerHost,
    DOCKER_CONFIG: DOCKER_CONFIG_DIR,
    // the legacy builder: BuildKit would need the buildx plugin, which Debian's docker.io lacks
    DOCKER_BUILDKIT: '0',
    DOCKER_CLI_HINTS: 'false',
    ...extra,
  };
}

function answers(dockerHost: string): boolean {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    env: dockerEnv(dockerHost),
    stdio: 'ignore',
    timeout: 10_000,
  });
  return r.status === 0;
}

function unavailable(reason: string): undefined {
  const message = `docker engine unavailable: ${reason}`;
  if (inCi()) throw new Error(`${message} (CI is set, so docker tests may not be skipped)`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! ${message}\n!! SKIPPING the tests that need a real docker client.\n!! Fix: apt-get install -y docker.io busybox-static, and run the tests as root.\n${bar}\n`);
  return undefined;
}

/**
 * Starts (or reuses) the private engine and returns its DOCKER_HOST (unix://...), or undefined
 * (outside CI only) when docker cannot run here. Synchronous so that a spec file can choose
 * between describe and describe.skip at load time.
 */
export function ensureDocker(): string | undefined {
  if (cachedHost && answers(cachedHost)) return cachedHost;
  const inherited = process.env[HOST_ENV];
  if (inherited && answers(inherited)) return (cachedHost = inherited);

  if (!onPath('dockerd') || !onPath('docker')) return unavailable('dockerd or the docker client is not installed');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return unavailable('dockerd needs root');

  const started = Date.now();
  let out: string;
  try {
    out = execFileSync('bash', [DOCKERD_SCRIPT, 'start', DOCKERD_DIR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`could not start dockerd (${DOCKERD_SCRIPT} start ${DOCKERD_DIR}): ${e.stderr || e.message}`);
  }
  const match = /^DOCKER_HOST=(\S+)$/m.exec(out);
  if (!match) throw new Error(`dockerd.sh printed no DOCKER_HOST: ${out}`);
  const host = match[1];
  const ms = Date.now() - started;
  if (ms > 2000) console.log(`dockerd ready in ${ms} ms: DOCKER_HOST=${host}`);
  process.env[HOST_ENV] = host;
  return (cachedHost = host);
}

/** Stops the private engine (a no-op when it is not running). */
export function stopDocker(): void {
  cachedHost = undefined;
  delete process.env[HOST_ENV];
  if (!fs.existsSync(DOCKERD_SCRIPT)) return;
  spawnSync('bash', [DOCKERD_SCRIPT, 'stop', DOCKERD_DIR], { stdio: 'inherit', timeout: 60_000 });
}

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerOptions {
  /** written to the client's stdin (e.g. the password for `docker login --password-stdin`) */
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** default 120 s */
  timeoutMs?: number;
  /** resolve with a non-zero code instead of rejecting */
  allowFailure?: boolean;
}

/** Runs the docker CLI against the test engine; rejects (with stdout/stderr) on a non-zero exit. */
export function docker(dockerHost: string, args: string[], options: DockerOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      cwd: options.cwd,
      env: dockerEnv(dockerHost, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? -1, stdout, stderr };
      if (code === 0 || options.allowFailure) return resolve(result);
      const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` after ${timeoutMs} ms` : ''}` : `exit ${code}`;
      reject(Object.assign(new Error(`docker ${args.join(' ')}: ${why}\n${stderr || stdout}`), result));
    });
    child.stdin.end(options.input ?? '');
  });
}
