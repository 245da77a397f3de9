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
