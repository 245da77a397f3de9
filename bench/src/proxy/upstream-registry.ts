import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cleanup } from '../cleanup';
import { DOCKER_REGISTRY_BINARY } from '../paths';
import { ManagedProcess, freePort } from '../targets/managed-process';
import { parseAccessLogLine, type AccessLogEntry } from './access-log';

// docker-registry writes a request's access log line after its response: give the last lines time to land
const ACCESS_LOG_SETTLE_MS = 500;

/** The proxy's upstream: a CNCF registry whose every request can be counted. */
export interface UpstreamRegistry {
  baseUrl: string;
  process: ManagedProcess;
  /** how many requests the access log holds now: pass it to `requestsSince` to count a phase */
  mark(): number;
  /** the requests logged after `mark` (waits a moment first, so requests just answered are in) */
  requestsSince(mark: number): Promise<AccessLogEntry[]>;
}

/**
 * Debian's docker-registry (v2.8) as the proxy's upstream, apart from the registry the other
 * scenarios compare against: filesystem storage under `dir` (the proxy measurement is about
 * Wharf's path, not the upstream's storage), redirects off so blobs come from the registry
 * itself, and the access log on. v2.8 can only write that log to stdout, so stdout goes to a
 * file (the shell execs the registry: the pid the bench stops is the registry's).
 */
export async function startUpstreamRegistry(dir: string, cleanup: Cleanup): Promise<UpstreamRegistry> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const configPath = join(dir, 'config.yml');
  const accessLogPath = join(dir, 'access.log');
  writeFileSync(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(dir, 'data'))}`,
      '  redirect:',
      '    disable: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  writeFileSync(accessLogPath, '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(REGISTRY|AWS)_/.test(name)));
  const registry = ManagedProcess.start('upstream docker-registry', '/bin/sh', ['-c', 'exec "$0" serve "$1" >>"$2"', DOCKER_REGISTRY_BINARY, configPath, accessLogPath], env, cleanup);
  const baseUrl = `http://127.0.0.1:${port}`;
  await registry.waitUntilAnswering(`${baseUrl}/v2/`);

  const entries = (): AccessLogEntry[] =>
    readFileSync(accessLogPath, 'utf8')
      .split('\n')
      .map(parseAccessLogLine)
      .filter((entry): entry is AccessLogEntry => entry !== undefined);
  return {
    baseUrl,
    process: registry,
    mark: () => entries().length,
    async requestsSince(mark) {
      await sleep(ACCESS_LOG_SETTLE_MS);
      return entries().slice(mark);
    },
  };
}
