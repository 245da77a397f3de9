import type * as S3Sdk from '@aws-sdk/client-s3';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import {
  AppendableObject,
  BlobDriver,
  BlobNotFoundError,
  BlobSizeMismatchError,
  ByteRange,
  StorageLeftover,
  StoredObjectInfo,
} from './blob-driver';
import { assertValidKey, assertValidRange, unsatisfiableRange } from './blob-validation';
import { claimBody, sizedChunks } from './body-stream';
import { OffThreadDigests } from './off-thread-digests';
import { ByteBudget } from './byte-budget';
import { PartQueue } from './part-queue';
import { SharedPartBuilder, SharedPartPool, payloadSha256 } from './shared-parts';

const MiB = 1024 * 1024;
/** S3's smallest part (every part but the last) */
const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part, and the largest object CopyObject copies in one request */
const MAX_PART_SIZE = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;
/** parts in flight per upload, copy or append: enough to keep a link busy, bounded in memory */
const QUEUE_SIZE = 4;
/**
 * Bytes of parts in flight beyond each upload's first, shared by all of a driver's writes and
 * appends: one upload alone still runs QUEUE_SIZE parts (three on the budget), and 16 uploads at
 * once hold 16 x 2 parts (the one filling, the one in flight) plus this, not 16 x 5 parts (640 MiB).
 */
const PARTS_IN_FLIGHT_BUDGET_BYTES = 64 * MiB;
const DELETE_BATCH = 1000;
/** where appendable tails live: a first segment no key may use (blob-validation), so the leftovers purge lists only tails */
const TAILS_PREFIX = '_staging/';
/** leftover ids: which kind of thing, then its name */
const MULTIPART = 'multipart:';
const TAIL = 'tail:';

export interface S3BlobDriverOptions {
  bucket: string;
  region: string;
  /** unset for AWS itself */
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** multipart part size for writes and appendables, at least 5 MiB; default 8 MiB */
  partSize?: number;
  /** objects up to this size are moved with one CopyObject, larger ones part by part; default (and most) 5 GiB */
  copyPartSize?: number;
  /** where part payloads are hashed for their signatures; default the process's one hashing thread */
  digests?: OffThreadDigests;
  /** bytes of parts in flight beyond each upload's first, shared by every upload of the driver; default 64 MiB */
  partsInFlightBudgetBytes?: number;
}

/**
 * What an S3 appendable keeps in `state`. Bytes [0, parts.length * partSize) are parts of the
 * multipart upload; the rest (< partSize) is the tail, a plain object. Part k always holds bytes
 * [(k-1) * partSize, k * partSize), so an append retried from an older state rewrites the same
 * part numbers with the same bytes.
 */
interface S3AppendState {
  /** fixed at creation: a process configured with another part size continues the same layout */
  partSize: number;
  uploadId?: string;
  parts: { PartNumber: number; ETag: string }[];
  /** named after the size it completes, so the tail a previous state names is never overwritten */
  tailKey?: string;
  tailSize: number;
}

/**
 * The SDK (some 20 MB of resident memory) is loaded when an S3 driver is created, not with
 * @wharf/storage: a process on filesystem storage never needs it.
 */
let loadedSdk: typeof S3Sdk | undefined;
const s3Sdk = (): typeof S3Sdk => (loadedSdk ??= require('@aws-sdk/client-s3') as typeof S3Sdk);

const errorName = (error: unknown): string | undefined => (error as { name?: string }).name;
const httpStatus = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Storage on any S3 API (AWS, RadosGW, MinIO...). Writes become visible only complete: small ones
 * as a single PutObject of bytes already received, large ones as a multipart upload that is
 * aborted when the body fails. Appendables are multipart uploads grown part by part across
 * requests and processes (see S3AppendState).
 */
export class S3BlobDriver implements BlobDriver {
  readonly name = 's3' as const;
  private readonly sdk = s3Sdk();
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly copyPartSize: number;
  private readonly digests: OffThreadDigests;
  /** spare parts, shared by this driver's writes and appends */
  private readonly parts = new SharedPartPool();
  /** what this driver's uploads hold in parts beyond their first in flight */
  private readonly partsInFlight: ByteBudget;

  constructor(private readonly options: S3BlobDriverOptions) {
    this.bucket = options.bucket;
    this.partSize = options.partSize ?? 8 * MiB;
    this.copyPartSize = options.copyPartSize ?? MAX_PART_SIZE;
    this.digests = options.digests ?? OffThreadDigests.shared();
    this.partsInFlight = new ByteBudget(options.partsInFlightBudgetBytes ?? PARTS_IN_FLIGHT_BUDGET_BYTES);
    if (this.partSize < MIN_PART_SIZE || this.partSize > MAX_PART_SIZE) throw new Error(`S3 partSize must be 5 MiB to 5 GiB, got ${this.partSize}`);
    if (this.copyPartSize < MIN_PART_SIZE || this.copyPartSize > MAX_PART_SIZE) throw new Error(`S3 copyPartSize must be 5 MiB to 5 GiB, got ${this.copyPartSize}`);
    this.client = new this.sdk.S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // the SDK's default (WHEN_SUPPORTED) computes CRC32 in JavaScript (~80 MB/s) and sends
      // streamed bodies as aws-chunked, which several S3 servers reject
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Creates the bucket unless it exists (boot of the api and worker, tests). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
    try {
      await this.client.send(
        new this.sdk.CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that refuses to be named as a location constraint
          CreateBucketConfiguration: this.options.region === 'us-east-1' ? undefined : { LocationConstraint: this.options.region as never },
        }),
      );
    } catch (error) {
      // another replica booting at the same moment
      if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  async stat(key: string): Promise<StoredObjectInfo | null> {
    assertValidKey(key);
    try {
      const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(range);
    try {
      const object = await this.client.send(
        new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      return object.Body as Readable;
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') throw new BlobNotFoundError(key);
      if (range && errorName(error) === 'InvalidRange') throw unsatisfiableRange(key, range);
      throw error;
    }
  }

  async write(key: string, body: Readable | Buffer, size?: number): Promise<void> {
    assertValidKey(key);
    if (Buffer.isBuffer(body)) {
      if (size !== undefined && body.length !== size) throw new BlobSizeMismatchError(size, body.length);
      if (body.length <= this.partSize) return this.put(key, body);
      return this.writeInParts(key, [body], body.length);
    }
    const source = claimBody(body);
    try {
      if (size !== undefined && size <= this.partSize) {
        // at most one part in memory (as a multipart upload holds anyway), and the request only
        // starts once the body has ended without error: a failing body can never complete it
        const chunks: Buffer[] = [];
        for await (const chunk of sizedChunks(source, size)) chunks.push(chunk);
        return await this.put(key, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      }
      await this.writeInParts(key, sizedChunks(source, size), size);
    } finally {
      // after a failure the body is not read to its end: release it
      source.destroy();
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deleteMany(keys: string[]): Promise<{ failed: { key: string; reason: string }[] }> {
    const failed: { key: string; reason: string }[] = [];
    const valid: string[] = [];
    for (const key of keys) {
      try {
        assertValidKey(key);
        valid.push(key);
      } catch (error) {
        failed.push({ key, reason: (error as Error).message });
      }
    }
    for (let i = 0; i < valid.length; i += DELETE_BATCH) {
      const batch = valid.slice(i, i + DELETE_BATCH);
      try {
        const result = await this.client.send(
          new this.sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        for (const e of result.Errors ?? []) failed.push({ key: e.Key ?? '', reason: `${e.Code}: ${e.Message}` });
      } catch (error) {
        failed.push(...batch.map((key) => ({ key, reason: (error as Error).message })));
      }
    }
    return { failed };
  }

  async move(from: string, to: string): Promise<void> {
    assertValidKey(to);
    const source = await this.stat(from);
    if (!source) throw new BlobNotFoundError(from);
    // the delete below would otherwise remove the object it just "moved"
    if (from === to) return;
    if (source.size <= this.copyPartSize) {
      await this.client.send(new this.sdk.CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: this.copySource(from) }));
    } else {
      await this.copyInParts(from, to, source.size);
    }
    await this.delete(from);
  }

  async presignedReadUrl(key: string, expiresInSeconds: number): Promise<string | null> {
    assertValidKey(key);
    const { getSignedUrl } = require('@aws-sdk/s3-request-presigner') as typeof import('@aws-sdk/s3-request-presigner');
    return getSignedUrl(this.client, new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  async createAppendable(key: string): Promise<AppendableObject> {
    assertValidKey(key);
    // nothing is stored until the first append: an upload that never receives a byte costs nothing
    const state: S3AppendState = { partSize: this.partSize, parts: [], tailSize: 0 };
    return { key, size: 0, state: { ...state } };
  }

  async append(object: AppendableObject, body: Readable): Promise<AppendableObject> {
    const state = this.appendStateOf(object);
    const source = claimBody(body);
    const { partSize } = state;
    const builder = new SharedPartBuilder(partSize, this.parts);
    let size = object.size;
    let uploadId = state.uploadId;
    const parts = [...state.parts];
    const queue = new PartQueue(QUEUE_SIZE, { budget: this.partsInFlight, bytesPerTask: partSize });
    try {
      // the tail is never a full part (it is what the last append left under partSize)
      if (state.tailKey) builder.add(await this.readTail(state));
      for await (const chunk of sizedChunks(source)) {
        size += chunk.length;
        for (const data of builder.add(chunk)) {
          // created lazily: an upload smaller than one part never needs a multipart upload
          uploadId ??= await this.createMultipart(object.key);
          const partNumber = parts.length + 1;
          parts.push({ PartNumber: partNumber, ETag: '' });
          await queue.add(async () => {
            parts[partNumber - 1].ETag = await this.uploadPart(object.key, uploadId!, partNumber, data);
          });
        }
      }
      await queue.drain();
      if (size === object.size) return object;
      const tail = builder.rest();
      const tailKey = tail.length > 0 ? `${TAILS_PREFIX}${object.key}.tail.${size}` : undefined;
      if (tailKey) {
        await this.put(tailKey, tail);
        this.parts.release(tail);
      }
      // best effort: a tail left behind is garbage, not a fault (the new state no longer names it)
      if (state.tailKey) await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: state.tailKey })).catch(() => undefined);
      const next: S3AppendState = { partSize, uploadId, parts, tailKey, tailSize: tail.length };
      return { key: object.key, size, state: { ...next } };
    } catch (error) {
      source.destroy();
      await queue.settle();
      // a multipart upload this call created is named by no state: it would hold its parts forever
      if (uploadId && !state.uploadId) await this.abortMultipart(object.key, uploadId).catch(() => undefined);
      throw error;
    }
  }

  async seal(object: AppendableObject): Promise<void> {
    const state = this.appendStateOf(object);
    try {
      if (!state.uploadId) {
        if (state.tailKey) {
          await this.client.send(new this.sdk.CopyObjectCommand({ Bucket: this.bucket, Key: object.key, CopySource: this.copySource(state.tailKey) }));
        } else {
          await this.put(object.key, Buffer.alloc(0));
        }
      } else {
        const parts: CompletedPart[] = [...state.parts];
        if (state.tailKey) {
          // the last part may be smaller than 5 MiB; copied server-side, the tail never comes back here
          const copied = await this.client.send(
            new this.sdk.UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: object.key,
              UploadId: state.uploadId,
              PartNumber: parts.length + 1,
              CopySource: this.copySource(state.tailKey),
            }),
          );
          parts.push({ PartNumber: parts.length + 1, ETag: copied.CopyPartResult?.ETag });
        }
        await this.client.send(
          new this.sdk.CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: object.key, UploadId: state.uploadId, MultipartUpload: { Parts: parts } }),
        );
      }
    } catch (error) {
      // a retried seal after one that completed (its tail and multipart upload are gone)
      const gone = errorName(error) === 'NoSuchUpload' || errorName(error) === 'NoSuchKey';
      if (gone && (await this.stat(object.key))?.size === object.size) return;
      throw error;
    }
    if (state.tailKey) await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: state.tailKey })).catch(() => undefined);
  }

  async abort(object: AppendableObject): Promise<void> {
    const state = this.appendStateOf(object);
    if (state.uploadId) await this.abortMultipart(object.key, state.uploadId);
    if (state.tailKey) await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: state.tailKey }));
  }

  async *listLeftovers(before: Date): AsyncIterable<StorageLeftover> {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(new this.sdk.ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker, UploadIdMarker }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId && upload.Initiated && upload.Initiated < before) {
          yield { id: `${MULTIPART}${upload.UploadId}`, key: upload.Key, since: upload.Initiated };
        }
      }
      [KeyMarker, UploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (KeyMarker !== undefined || UploadIdMarker !== undefined);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: TAILS_PREFIX, ContinuationToken }));
      for (const tail of page.Contents ?? []) {
        if (!tail.Key || !tail.LastModified || tail.LastModified >= before) continue;
        // the appendable's key: <prefix><key>.tail.<size>
        yield { id: `${TAIL}${tail.Key}`, key: tail.Key.slice(TAILS_PREFIX.length).replace(/\.tail\.\d+$/, ''), since: tail.LastModified };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async removeLeftover(leftover: StorageLeftover): Promise<void> {
    if (leftover.id.startsWith(MULTIPART)) return this.abortMultipart(leftover.key, leftover.id.slice(MULTIPART.length));
    const key = leftover.id.slice(TAIL.length);
    if (!leftover.id.startsWith(TAIL) || !key.startsWith(TAILS_PREFIX)) throw new Error(`not an S3 leftover: ${leftover.id}`);
    // under the reserved prefix, so not a key `delete` accepts
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  leftoversOf(object: AppendableObject): string[] {
    const state = this.appendStateOf(object);
    return [...(state.uploadId ? [`${MULTIPART}${state.uploadId}`] : []), ...(state.tailKey ? [`${TAIL}${state.tailKey}`] : [])];
  }

  private async put(key: string, body: Buffer): Promise<void> {
    await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length }));
  }

  /**
   * A multipart upload fed from `chunks`: parts go out QUEUE_SIZE at a time while the next one
   * fills, so at most QUEUE_SIZE + 1 parts are held (2 when the driver's other uploads have
   * spent the budget of parts in flight). The upload is completed only after `chunks`
   * ended without error (a body failing even after its last byte completes nothing) and aborted
   * on any failure. Ends with one PutObject when the body turns out to fit one part.
   */
  private async writeInParts(key: string, chunks: Iterable<Buffer> | AsyncIterable<Buffer>, size?: number): Promise<void> {
    const partSize = size === undefined ? this.partSize : Math.max(this.partSize, Math.ceil(size / MAX_PARTS));
    const queue = new PartQueue(QUEUE_SIZE, { budget: this.partsInFlight, bytesPerTask: partSize });
    const parts: CompletedPart[] = [];
    let uploadId: string | undefined;
    const builder = new SharedPartBuilder(partSize, this.parts);
    const send = async (data: Buffer) => {
      uploadId ??= await this.createMultipart(key);
      const part: CompletedPart = { PartNumber: parts.length + 1 };
      parts.push(part);
      const id = uploadId;
      await queue.add(async () => {
        part.ETag = await this.uploadPart(key, id, part.PartNumber!, data);
      });
    };
    try {
      for await (const chunk of chunks) {
        for (const part of builder.add(chunk)) await send(part);
      }
      const rest = builder.rest();
      if (!uploadId) {
        await this.put(key, rest);
        return this.parts.release(rest);
      }
      if (rest.length > 0) await send(rest);
      await queue.drain();
      await this.client.send(new this.sdk.CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await queue.settle();
      if (uploadId) await this.abortMultipart(key, uploadId).catch(() => undefined);
      throw error;
    }
  }

  private async copyInParts(from: string, to: string, size: number): Promise<void> {
    const uploadId = await this.createMultipart(to);
    const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS));
    const queue = new PartQueue(QUEUE_SIZE);
    const parts: CompletedPart[] = [];
    try {
      for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber++) {
        const end = Math.min(start + partSize, size) - 1;
        const part: CompletedPart = { PartNumber: partNumber };
        parts.push(part);
        await queue.add(async () => {
          const copied = await this.client.send(
            new this.sdk.UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: to,
              UploadId: uploadId,
              PartNumber: part.PartNumber,
              CopySource: this.copySource(from),
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          part.ETag = copied.CopyPartResult?.ETag;
        });
      }
      await queue.drain();
      await this.client.send(new this.sdk.CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await queue.settle();
      await this.abortMultipart(to, uploadId).catch(() => undefined);
      throw error;
    }
  }

  private async createMultipart(key: string): Promise<string> {
    const created = await this.client.send(new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }));
    if (!created.UploadId) throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
    return created.UploadId;
  }

  private async uploadPart(key: string, uploadId: string, partNumber: number, data: Buffer): Promise<string> {
    const command = new this.sdk.UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: data, ContentLength: data.length });
    // the signature covers the payload's SHA-256 (the server checks the bytes against it): hashed
    // on the hashing thread, the SDK signs with it instead of hashing 8 MiB on the event loop
    const sha256 = await payloadSha256(this.digests, data);
    if (sha256) {
      command.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = sha256;
          return next(args);
        },
        { step: 'build', name: 'wharfOffThreadPayloadHash' },
      );
    }
    const result = await this.client.send(command);
    if (!result.ETag) throw new Error(`UploadPart ${partNumber} of ${key} returned no ETag`);
    // the server has every byte: nothing reads the part any more (a failed upload's part is not reused)
    this.parts.release(data);
    return result.ETag;
  }

  private async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (errorName(error) !== 'NoSuchUpload') throw error;
    }
  }

  private async readTail(state: S3AppendState): Promise<Buffer> {
    const object = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: state.tailKey }));
    const tail = Buffer.from(await object.Body!.transformToByteArray());
    if (tail.length !== state.tailSize) throw new Error(`tail ${state.tailKey} holds ${tail.length} bytes, its state says ${state.tailSize}`);
    return tail;
  }

  /** x-amz-copy-source: bucket/key, URL-encoded segment by segment (a key, or a tail under the adapter's reserved prefix) */
  private copySource(key: string): string {
    assertValidKey(key.startsWith(TAILS_PREFIX) ? key.slice(TAILS_PREFIX.length) : key);
    return `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The state comes back from the database: check its shape before trusting it. */
  private appendStateOf(object: AppendableObject): S3AppendState {
    assertValidKey(object.key);
    const s = object.state as Partial<S3AppendState>;
    const valid =
      typeof s.partSize === 'number' &&
      s.partSize >= MIN_PART_SIZE &&
      Array.isArray(s.parts) &&
      s.parts.every((p, i) => p.PartNumber === i + 1 && typeof p.ETag === 'string') &&
      typeof s.tailSize === 'number' &&
      (s.uploadId === undefined || typeof s.uploadId === 'string') &&
      (s.tailKey === undefined || typeof s.tailKey === 'string') &&
      (s.tailKey === undefined) === (s.tailSize === 0) &&
      (s.parts.length === 0 || s.uploadId !== undefined) &&
      s.parts.length * s.partSize + s.tailSize === object.size;
    if (!valid) throw new Error(`not an S3 appendable state for ${object.key} at size ${object.size}: ${JSON.stringify(object.state)}`);
    return s as S3AppendState;
  }
}
