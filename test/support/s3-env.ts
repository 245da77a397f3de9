/**
 * The S3 server the tests run against: the RadosGW that test/support/global-setup.ts started, or
 * any S3 named by WHARF_TEST_S3_ENDPOINT (+ WHARF_TEST_S3_ACCESS_KEY_ID/_SECRET_ACCESS_KEY).
 *
 *   const s3 = s3TestConfig();                 // undefined: no S3 here (outside CI only)
 *   const describeS3 = s3 ? describe : describe.skip;
 */
import type { AppConfig } from '@wharf/config';
import type { S3BlobDriverOptions } from '@wharf/storage';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const RADOSGW_DIR = path.join(REPO_ROOT, '.test-services', 'radosgw');
export const RADOSGW_SCRIPT = path.join(__dirname, 'radosgw.sh');

/** set by the global setup in the jest process, inherited by the workers */
export const S3_ENV = {
  endpoint: 'WHARF_TEST_S3_ENDPOINT',
  accessKeyId: 'WHARF_TEST_S3_ACCESS_KEY_ID',
  secretAccessKey: 'WHARF_TEST_S3_SECRET_ACCESS_KEY',
} as const;

export type S3TestConfig = Required<
  Pick<AppConfig, 'S3_ENDPOINT' | 'S3_REGION' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'>
>;

/**
 * S3 settings for one suite, in AppConfig's terms, with a bucket of its own (not created here:
 * createBlobDriver or S3BlobDriver.ensureBucket does that); undefined when no S3 server is available.
 */
export function s3TestConfig(bucket = `wharf-test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`): S3TestConfig | undefined {
  const endpoint = process.env[S3_ENV.endpoint];
  if (!endpoint) return undefined;
  return {
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: process.env[S3_ENV.accessKeyId] ?? '',
    S3_SECRET_ACCESS_KEY: process.env[S3_ENV.secretAccessKey] ?? '',
    S3_FORCE_PATH_STYLE: true,
  };
}

/** Where an `S3BlobDriver` of the suite connects (its server, bucket and credentials); the suite adds its part sizes. */
export function s3DriverConnection(config: S3TestConfig): Pick<S3BlobDriverOptions, 'endpoint' | 'region' | 'bucket' | 'accessKeyId' | 'secretAccessKey' | 'forcePathStyle'> {
  return {
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  };
}
