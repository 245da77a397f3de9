import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from '../cleanup';
import { DOCKER_REGISTRY_BINARY } from '../paths';
import { BenchRegistryClient } from '../registry-client';
import { BENCH_REPOSITORIES } from '../repositories';
import { ManagedProcess, freePort } from './managed-process';
import { assertProcessRuns } from './process-identity';
import type { Target } from './target';

/**
 * Debian's CNCF reference registry (v2.8) as the baseline, in its stock configuration
 * (/etc/docker/registry/config.yml as the package installs it): the in-memory blob descriptor
 * cache on, deletes enabled, the storage-driver health check, upload purging at its defaults.
 * What differs, and why: the storage (the run's own directory or bucket), the address, no
 * htpasswd auth (the stock file points at an htpasswd file the package does not create; what
 * people run without configuring auth is an open registry), error-level logs without an access
 * log (Wharf runs at LOG_LEVEL=warn, so neither pays for a line per request), and on S3 only,
 * redirects off so blobs flow through the registry process as through Wharf (the filesystem
 * driver never redirects).
 */
export async function startDockerRegistry(storageDriver: Record<string, unknown>, workDir: string, cleanup: Cleanup): Promise<Target> {
  const port = await freePort();
  const onS3 = 's3' in storageDriver;
  const config = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { ...storageDriver, cache: { blobdescriptor: 'inmemory' }, delete: { enabled: true }, ...(onS3 ? { redirect: { disable: true } } : {}) },
    http: { addr: `127.0.0.1:${port}`, headers: { 'X-Content-Type-Options': ['nosniff'] } },
    health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
  };
  const configPath = join(workDir, 'docker-registry.yml');
  writeFileSync(configPath, toYaml(config));
  const registry = ManagedProcess.start('docker-registry', DOCKER_REGISTRY_BINARY, ['serve', configPath], registryEnv(), cleanup);
  const baseUrl = `http://127.0.0.1:${port}`;
  await registry.waitUntilAnswering(`${baseUrl}/v2/`);
  assertProcessRuns(registry.pid, DOCKER_REGISTRY_BINARY);
  const client = new BenchRegistryClient(baseUrl);
  try {
    const monolithic = await client.probeMonolithicFlavor(BENCH_REPOSITORIES.probe, Buffer.from(`probe ${Date.now()}`));
    return { id: 'dockerRegistry', label: 'docker-registry', baseUrl, process: registry, monolithic };
  } finally {
    client.close();
  }
}

/**
 * The bench's environment minus what would change the registry behind the config file's back:
 * REGISTRY_* variables override config keys, and the AWS SDK reads AWS_* ones (AWS_CA_BUNDLE
 * alone makes v2.8's s3 driver panic at start).
 */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(REGISTRY|AWS)_/.test(name)));
}

/** Just enough YAML for the config: nested maps of strings, numbers, booleans and lists of strings (JSON-quoted, valid YAML). */
function toYaml(value: Record<string, unknown>, indent = ''): string {
  return Object.entries(value)
    .map(([key, v]) =>
      Array.isArray(v)
        ? `${indent}${key}: ${JSON.stringify(v)}\n` // a flow sequence of scalars
        : v !== null && typeof v === 'object'
          ? `${indent}${key}:\n${toYaml(v as Record<string, unknown>, `${indent}  `)}`
          : `${indent}${key}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`,
    )
    .join('');
}
