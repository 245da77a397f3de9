import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './cleanup';
import type { StorageKind } from './options';
import { createBucket, deleteBucket, s3SettingsFromEnv } from './s3-buckets';

/** Where each registry keeps blobs: the Wharf env variables and docker-registry's `storage:` driver section. */
export interface StorageSetup {
  kind: StorageKind;
  wharfEnv: Record<string, string>;
  /** the storage driver entry of docker-registry's config (filesystem: or s3:) */
  dockerRegistryDriver: Record<string, unknown>;
}

/**
 * Separate storage for the two registries, so neither reads the other's data or page cache
 * entries: two directories under the run's temp dir, or two fresh buckets on the same S3
 * endpoint (deleted with their content at cleanup).
 */
export async function prepareStorage(kind: StorageKind, runId: string, workDir: string, cleanup: Cleanup): Promise<StorageSetup> {
  if (kind === 'filesystem') {
    const wharfRoot = join(workDir, 'wharf-storage');
    const registryRoot = join(workDir, 'registry-storage');
    mkdirSync(wharfRoot);
    mkdirSync(registryRoot);
    return {
      kind,
      wharfEnv: { STORAGE_DRIVER: 'filesystem', STORAGE_FS_ROOT: wharfRoot },
      dockerRegistryDriver: { filesystem: { rootdirectory: registryRoot } },
    };
  }
  const s3 = s3SettingsFromEnv();
  const wharfBucket = `wharf-bench-${runId}`;
  const registryBucket = `wharf-bench-${runId}-registry`;
  // registered before creation: Wharf creates its bucket lazily, and a half-done run must not leak either
  cleanup.add(`delete bucket ${wharfBucket}`, () => deleteBucket(s3, wharfBucket));
  cleanup.add(`delete bucket ${registryBucket}`, () => deleteBucket(s3, registryBucket));
  await createBucket(s3, registryBucket);
  return {
    kind,
    wharfEnv: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: wharfBucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      STORAGE_REDIRECT: 'false', // blobs flow through the api, as through docker-registry (redirect disabled there too)
    },
    dockerRegistryDriver: {
      s3: {
        accesskey: s3.accessKeyId,
        secretkey: s3.secretAccessKey,
        region: s3.region,
        // with regionendpoint set, v2.8 switches to path-style addressing by itself
        regionendpoint: s3.endpoint,
        bucket: registryBucket,
        secure: s3.endpoint.startsWith('https:'),
        v4auth: true,
      },
    },
  };
}
