import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { MANIFEST_ACCEPT } from '../registry-client';

/** Blob downloads a puller runs at once (docker's default max-concurrent-downloads is 3). */
export const PARALLEL_BLOB_DOWNLOADS = 3;

export interface PullResult {
  /** every byte received: manifest and blobs */
  bytes: number;
  /** manifest request to the last blob's last byte */
  seconds: number;
  manifestDigest: string;
}

interface ManifestBlobs {
  config: { digest: string; size: number };
  layers: { digest: string; size: number }[];
}

/**
 * Pulls an image the way a container client does: GET of the manifest by tag (with the
 * Accept header of a current docker), then its config and layers, PARALLEL_BLOB_DOWNLOADS at
 * a time over keep-alive connections of its own; every byte is read and every blob's digest
 * and size checked, so a fast wrong answer cannot pass for a fast pull.
 */
export class ImagePuller {
  private readonly agent = new Agent({ connections: PARALLEL_BLOB_DOWNLOADS + 1, keepAliveTimeout: 30_000, bodyTimeout: 120_000, headersTimeout: 120_000 });

  constructor(
    private readonly baseUrl: string,
    /** `Authorization` on every request (Wharf's bearer token); none for the upstream */
    private readonly authorization?: string,
    /** tells this client's requests apart in the upstream's access log */
    private readonly userAgent = 'wharf-bench-puller',
  ) {}

  async pull(repository: string, tag: string): Promise<PullResult> {
    const started = performance.now();
    const manifest = await this.get(`/v2/${repository}/manifests/${tag}`, { accept: MANIFEST_ACCEPT });
    const body = Buffer.from(await manifest.body.arrayBuffer());
    const manifestDigest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const parsed = JSON.parse(body.toString('utf8')) as ManifestBlobs;
    const queue = [parsed.config, ...parsed.layers];
    let bytes = body.length;
    const worker = async () => {
      for (let blob = queue.shift(); blob; blob = queue.shift()) {
        // not `bytes += await …`: that reads `bytes` before the await and loses the other workers' additions
        const received = await this.pullBlob(repository, blob.digest, blob.size);
        bytes += received;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_BLOB_DOWNLOADS }, worker));
    return { bytes, seconds: (performance.now() - started) / 1000, manifestDigest };
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async pullBlob(repository: string, digest: string, size: number): Promise<number> {
    const response = await this.get(`/v2/${repository}/blobs/${digest}`);
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      received += chunk.length;
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest || received !== size) throw new Error(`GET blob ${digest}: received ${received} bytes with digest ${actual}, expected ${size} bytes`);
    return received;
  }

  private async get(path: string, headers: Record<string, string> = {}) {
    const response = await request(new URL(path, this.baseUrl), {
      method: 'GET',
      dispatcher: this.agent,
      headers: { ...headers, 'user-agent': this.userAgent, ...(this.authorization ? { authorization: this.authorization } : {}) },
    });
    if (response.statusCode !== 200) {
      const text = await response.body.text().catch(() => '');
      throw new Error(`GET ${path}: expected 200, got ${response.statusCode} ${text.slice(0, 300)}`);
    }
    return response;
  }
}
