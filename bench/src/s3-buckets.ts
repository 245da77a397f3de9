import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

export interface S3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** WHARF_BENCH_S3_* (the bench never reads Wharf's own S3_* variables, so it cannot touch a real installation's bucket). */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = env.WHARF_BENCH_S3_ENDPOINT;
  const accessKeyId = env.WHARF_BENCH_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.WHARF_BENCH_S3_SECRET_ACCESS_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    throw new Error('--storage s3 needs WHARF_BENCH_S3_ENDPOINT, WHARF_BENCH_S3_ACCESS_KEY_ID and WHARF_BENCH_S3_SECRET_ACCESS_KEY');
  }
  return { endpoint, accessKeyId, secretAccessKey, region: env.WHARF_BENCH_S3_REGION ?? 'us-east-1' };
}

function client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
  });
}

/** docker-registry's s3 driver needs its bucket to exist (Wharf creates its own). */
export async function createBucket(settings: S3Settings, bucket: string): Promise<void> {
  const s3 = client(settings);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}

/** Empties (objects and unfinished multipart uploads) and deletes a bucket; a missing bucket is fine. */
export async function deleteBucket(settings: S3Settings, bucket: string): Promise<void> {
  const s3 = client(settings);
  try {
    for (;;) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const upload of uploads.Uploads ?? []) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchBucket') throw error;
  } finally {
    s3.destroy();
  }
}
