import type { AppConfig } from '@wharf/config';
import type { BlobDriver } from './blob-driver';
import { FilesystemBlobDriver } from './filesystem.adapter';
import { S3BlobDriver } from './s3.adapter';

export type StorageConfig = Pick<
  AppConfig,
  'STORAGE_DRIVER' | 'STORAGE_FS_ROOT' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'
>;

/**
 * The configured storage adapter, ready to use (on S3 the bucket exists afterwards). For Nest,
 * StorageModule provides it as BLOB_DRIVER; tests and the bench call it directly.
 */
export async function createBlobDriver(config: StorageConfig): Promise<BlobDriver> {
  switch (config.STORAGE_DRIVER) {
    case 'filesystem':
      return new FilesystemBlobDriver(config.STORAGE_FS_ROOT);
    case 's3': {
      const driver = new S3BlobDriver({
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        bucket: required(config.S3_BUCKET, 'S3_BUCKET'),
        accessKeyId: required(config.S3_ACCESS_KEY_ID, 'S3_ACCESS_KEY_ID'),
        secretAccessKey: required(config.S3_SECRET_ACCESS_KEY, 'S3_SECRET_ACCESS_KEY'),
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
      });
      await driver.ensureBucket();
      return driver;
    }
    default:
      throw new Error(`unknown STORAGE_DRIVER ${JSON.stringify(config.STORAGE_DRIVER)}`);
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is required with STORAGE_DRIVER=s3`);
  return value;
}
