import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { AppConfig } from './app-config';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

// values of credentials and URLs (which may embed a password) are never echoed
const SENSITIVE = /SECRET|PASSWORD|KEY|_URL$/;
const describe = (e: ValidationError) =>
  `${e.property}${SENSITIVE.test(e.property) ? '' : `=${JSON.stringify(e.value)}`}: ${Object.values(e.constraints ?? {}).join('; ')}`;

/** Reads the known variables from `env`, applies defaults, and throws ConfigError naming every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const given: Record<string, string> = {};
  for (const key of [...known, 'EXTERNAL_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'ADMIN_PASSWORD', 'TOKEN_SIGNING_KEY_FILE', 'REGISTRY_CREDENTIAL_KEY', 'REGISTRY_CREDENTIAL_KEY_FILE', 'RETENTION_DEFAULT_POLICY', 'SCANNER_API_KEY', 'SCANNER_URL']) {
    const value = env[key];
    if (value !== undefined && value !== '') given[key] = value;
  }
  const config = plainToInstance(AppConfig, given, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (config.STORAGE_REDIRECT && config.STORAGE_DRIVER !== 's3') {
    errors.push({ property: 'STORAGE_REDIRECT', value: 'true', constraints: { s3Only: 'STORAGE_REDIRECT needs STORAGE_DRIVER=s3' }, children: [] });
  }
  if (config.METRICS_ENABLED && config.METRICS_PORT !== 0 && config.METRICS_PORT === config.PORT) {
    errors.push({ property: 'METRICS_PORT', value: config.METRICS_PORT, constraints: { ownPort: 'METRICS_PORT must differ from PORT: metrics are never served on the public port' }, children: [] });
  }
  if (Boolean(config.TLS_CERT_FILE) !== Boolean(config.TLS_KEY_FILE)) {
    errors.push({ property: 'TLS_CERT_FILE', value: undefined, constraints: { pair: 'TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all' }, children: [] });
  }
  if (errors.length) throw new ConfigError(errors.map(describe));
  return config;
}
