import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { BLOB_DRIVER, type BlobDriver } from './blob-driver';
import { FilesystemBlobDriver } from './filesystem.adapter';

// TEMPORARY until the S3 adapter lands (helper-1 replaces this file)
export function createBlobDriver(config: AppConfig): BlobDriver {
  if (config.STORAGE_DRIVER === 'filesystem') return new FilesystemBlobDriver(config.STORAGE_FS_ROOT);
  throw new Error('s3 storage not available yet');
}

@Global()
@Module({
  providers: [{ provide: BLOB_DRIVER, inject: [AppConfig], useFactory: (config: AppConfig) => createBlobDriver(config) }],
  exports: [BLOB_DRIVER],
})
export class StorageModule {}
