export * from './blob-store';
export * from './digest';
export * from './manifest-parser';
export * from './media-types';
export * from './quota-exceeded';
export * from './quota-ledger.port';
export * from './registry-core.module';
export * from './repository-name';
export * from './storage-keys';
export * from './storage-write-latency';
export * from './upload-sessions';
export * from './verifying-stream';
// what callers of BlobStore see of the storage port (apps reach storage only through registry-core)
export { BlobNotFoundError, OffThreadDigests, copyIntoShared, type ByteRange, type OffThreadDigest } from '@wharf/storage';
