import { Module } from '@nestjs/common';
import { StorageModule } from '@wharf/storage';
import { BlobStore } from './blob-store';
import { StorageWriteLatency } from './storage-write-latency';
import { UploadSessions } from './upload-sessions';

/**
 * OCI semantics written once on the BlobDriver: blobs by digest and resumable uploads. It brings the
 * storage adapter (StorageModule, global) with it, so apps reach storage only through this module.
 */
@Module({
  imports: [StorageModule],
  providers: [BlobStore, UploadSessions, StorageWriteLatency],
  exports: [BlobStore, UploadSessions, StorageWriteLatency],
})
export class RegistryCoreModule {}
