import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from '../cleanup';
import { DOCKER_REGISTRY_BINARY } from '../paths';
import { BenchRegistryClient } from '../registry-client';
import { BENCH_REPOSITORIES } from '../repositories';
import { ManagedProcess, freePort } from './managed-process';
import type { Target } from './target';

/**
 * Debian's CNCF reference registry (v2.8) as the baseline: the given storage driver, redirects
 * off (blobs flow through the registry process, as through Wharf), no blob descriptor cache
 * (Wharf's answers come from Postgres, not a per-process memory cache), error-level logs and
 * no access log (Wharf runs at LOG_LEVEL=warn, so neither pays for a line per request).
 */
export async function startDockerRegistry(storageDriver: Record<string, unknown>, workDir: string, cleanup: Cleanup): Promise<Target> {
  const port = await freePort();
  const config = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { ...storageDriver, delete: { enabled: true }, redirect: { disable: true }, maintenance: { uploadpurging: { enabled: false } } },
    http: { addr: `127.0.0.1:${port}` },
  };
  const configPath = join(workDir, 'docker-registry.yml');
  writeFileSync(configPath, toYaml(config));
  const registry = ManagedProcess.start('docker-registry', DOCKER_REGISTRY_BINARY, ['serve', configPath], registryEnv(), cleanup);
  const baseUrl = `http://127.0.0.1:${port}`;
  await registry.waitUntilAnswering(`${baseUrl}/v2/`);
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

/** Just enough YAML for the config: nested maps of strings, numbers and booleans (strings JSON-quoted, valid YAML). */
function toYaml(value: Record<string, unknown>, indent = ''): string {
  return Object.entries(value)
    .map(([key, v]) =>
      v !== null && typeof v === 'object' ? `${indent}${key}:\n${toYaml(v as Record<string, unknown>, `${indent}  `)}` : `${indent}${key}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`,
    )
    .join('');
}
