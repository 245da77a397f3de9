import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/wharf');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.STORAGE_DRIVER).toBe('filesystem');
    expect(config.STORAGE_FS_ROOT).toBe('./data/storage');
    expect(config.STORAGE_REDIRECT).toBe(false);
    expect(config.UPLOAD_PURGE_AGE_HOURS).toBe(24);
    expect(config.externalUrl).toBe('http://127.0.0.1:8080');
  });

  it('converts numbers and booleans', () => {
    const config = loadConfig({ PORT: '9000', S3_FORCE_PATH_STYLE: 'false', EXTERNAL_URL: 'https://registry.example.com/' });
    expect(config.PORT).toBe(9000);
    expect(config.S3_FORCE_PATH_STYLE).toBe(false);
    expect(config.externalUrl).toBe('https://registry.example.com');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ STORAGE_DRIVER: 'gcs' }, 'STORAGE_DRIVER'],
    [{ STORAGE_DRIVER: 's3' }, 'S3_ENDPOINT'],
    [{ STORAGE_DRIVER: 's3', S3_ENDPOINT: 'http://s3:9000', S3_BUCKET: 'Bad_Bucket', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' }, 'S3_BUCKET'],
    [{ STORAGE_REDIRECT: 'true' }, 'STORAGE_REDIRECT'],
    [{ STORAGE_REDIRECT: 'maybe' }, 'STORAGE_REDIRECT'],
    [{ EXTERNAL_URL: 'registry.example.com' }, 'EXTERNAL_URL'],
    [{ PORT: '9090' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '65536' }, 'METRICS_PORT'],
    [{ METRICS_ENABLED: 'perhaps' }, 'METRICS_ENABLED'],
    [{ TRUSTED_PROXIES: 'nginx.internal' }, 'TRUSTED_PROXIES'],
    [{ TLS_CERT_FILE: '/etc/wharf/cert.pem' }, 'TLS_CERT_FILE'],
    [{ WEBHOOK_RETRY_DELAYS_SECONDS: '5,thirty' }, 'WEBHOOK_RETRY_DELAYS_SECONDS'],
    [{ ACCESS_LOG: 'sometimes' }, 'ACCESS_LOG'],
  ])('names the bad variable in %j', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${variable}\\b`));
  });

  it('serves metrics on 9090 (api) and 9091 (worker) unless turned off; the public port may take 9090 once metrics are off', () => {
    const config = loadConfig({});
    expect([config.METRICS_ENABLED, config.METRICS_PORT, config.WORKER_METRICS_PORT]).toEqual([true, 9090, 9091]);
    expect(loadConfig({ PORT: '9090', METRICS_ENABLED: 'false' }).METRICS_ENABLED).toBe(false);
    expect(loadConfig({ PORT: '9090', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
  });

  it('reads the edge settings: trusted proxies, the webhook retry schedule, the access log', () => {
    const config = loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, 127.0.0.1 ,::1/128', WEBHOOK_RETRY_DELAYS_SECONDS: '5,30,120,600,3600', ACCESS_LOG: 'false' });
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', '::1/128']);
    expect(config.webhookRetryDelaysMs).toEqual([5000, 30000, 120000, 600000, 3600000]);
    expect(config.ACCESS_LOG).toBe(false);
    const defaults = loadConfig({});
    expect(defaults.trustedProxies).toEqual([]);
    expect(defaults.webhookRetryDelaysMs).toEqual([1000, 2000, 4000, 8000]);
    expect(defaults.ACCESS_LOG).toBe(true);
  });

  it('never echoes a credential it rejects', () => {
    expect.assertions(2);
    try {
      loadConfig({ STORAGE_DRIVER: 's3', S3_ENDPOINT: 'http://s3', S3_BUCKET: 'b1b', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: '', DATABASE_URL: 'mysql://u:topsecret@h/db' });
    } catch (error) {
      expect((error as Error).message).toMatch(/DATABASE_URL/);
      expect((error as Error).message).not.toContain('topsecret');
    }
  });
});
