import { Global, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { BLOB_DRIVER, type BlobDriver } from './blob-driver';
import { createBlobDriver } from './blob-driver.factory';
import { S3BlobDriver } from './s3.adapter';

/** Owns the storage adapter: BLOB_DRIVER, chosen by STORAGE_DRIVER, injectable everywhere. */
@Global()
@Module({
  providers: [{ provide: BLOB_DRIVER, inject: [AppConfig], useFactory: (config: AppConfig) => createBlobDriver(config) }],
  exports: [BLOB_DRIVER],
})
export class StorageModule implements OnModuleDestroy {
  constructor(@Inject(BLOB_DRIVER) private readonly driver: BlobDriver) {}

  onModuleDestroy(): void {
    // keep-alive sockets to S3 would otherwise hold the process open after app.close()
    if (this.driver instanceof S3BlobDriver) this.driver.destroy();
  }
}
