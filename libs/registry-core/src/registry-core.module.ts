import { Module } from '@nestjs/common';
import { BlobStore } from './blob-store';
import { UploadSessions } from './upload-sessions';

/** OCI semantics written once on the BlobDriver: blobs by digest and resumable uploads. */
@Module({
  providers: [BlobStore, UploadSessions],
  exports: [BlobStore, UploadSessions],
})
export class RegistryCoreModule {}
