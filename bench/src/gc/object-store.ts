import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { dirname, join } from 'node:path';

/**
 * Writes and checks objects in Wharf's own storage behind its back, the way the GC scenario
 * seeds blobs without pushing them: the bucket (S3_* of the api's env) or STORAGE_FS_ROOT.
 */
export interface ObjectStore {
  put(key: string, body: Buffer): Promise<void>;
  exists(key: string): Promise<boolean>;
  close(): void;
}

/** Parallel requests when seeding (the S3 client's socket pool is sized to it). */
export const SEED_CONCURRENCY = 64;

export async function openObjectStore(wharfEnv: Record<string, string>): Promise<ObjectStore> {
  if (wharfEnv.STORAGE_DRIVER === 'filesystem') {
    const root = wharfEnv.STORAGE_FS_ROOT;
    return {
      async put(key, body) {
        const path = join(root, key);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body);
      },
      exists: async (key) => existsSync(join(root, key)),
      close() {},
    };
  }
  const bucket = wharfEnv.S3_BUCKET;
  const s3 = new S3Client({
    endpoint: wharfEnv.S3_ENDPOINT,
    region: wharfEnv.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: wharfEnv.S3_ACCESS_KEY_ID, secretAccessKey: wharfEnv.S3_SECRET_ACCESS_KEY },
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: SEED_CONCURRENCY }) },
  });
  // the api created it on its probe push; make sure anyway (Wharf creates its bucket lazily)
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  return {
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
    },
    async exists(key) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    },
    close: () => s3.destroy(),
  };
}
