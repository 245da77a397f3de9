import type { Readable } from 'node:stream';
import { HarborAdapter } from '../adapters/harbor.adapter';
import type { ReplicationAdapter, UploadSession } from '../adapters/replication-adapter';
import type { BlobLocations } from './blob-locations';
import type { BlobTransfer, DestinationSide, ManifestContent, SourceSide } from './copy-sides';

/**
 * A remote endpoint as the destination of a push-based copy: blobs by HEAD, cross-repository
 * mount from a repository known to hold them (BlobLocations), monolithic or chunked upload;
 * manifests by PUT; deletes by DELETE (a tag alone through Harbor's API where the type has it).
 */
export class RemoteDestination implements DestinationSide {
  /** upload sessions a refused mount opened, used by the upload that follows */
  private readonly openSessions = new Map<string, UploadSession>();

  constructor(
    private readonly adapter: ReplicationAdapter,
    private readonly registryId: number,
    private readonly locations: BlobLocations,
    readonly label: string,
  ) {}

  get refusesPushes(): string | undefined {
    return this.adapter.acceptsPushes ? undefined : `a ${this.adapter.type} endpoint does not take pushes`;
  }

  async headManifest(repository: string, reference: string, signal: AbortSignal): Promise<{ digest: string } | null> {
    return this.adapter.headManifest(repository, reference, { signal });
  }

  async hasBlob(repository: string, digest: string, signal: AbortSignal): Promise<boolean> {
    const present = await this.adapter.hasBlob(repository, digest, { signal });
    if (present) await this.locations.record(this.registryId, repository, digest);
    return present;
  }

  async reuseBlob(repository: string, digest: string, _source: SourceSide, _sourceRepository: string, signal: AbortSignal): Promise<boolean> {
    for (const from of await this.locations.elsewhere(this.registryId, repository, digest)) {
      const outcome = await this.adapter.mountBlob(repository, digest, from, signal);
      if (outcome.mounted) {
        await this.locations.record(this.registryId, repository, digest);
        return true;
      }
      // not mountable from there (gone, or no pull right): the session it opened takes the upload
      await this.locations.forget(this.registryId, from, digest);
      this.openSessions.set(`${repository}@${digest}`, outcome.session);
      return false;
    }
    return false;
  }

  async putBlob(repository: string, transfer: BlobTransfer, signal: AbortSignal): Promise<void> {
    const key = `${repository}@${transfer.digest}`;
    const session = this.openSessions.get(key) ?? (await this.adapter.startUpload(repository, signal));
    this.openSessions.delete(key);
    const body = await transfer.open();
    try {
      if (transfer.chunkSize) await this.chunked(repository, session, transfer, body, signal);
      else await this.adapter.putMonolithic(repository, session, transfer.digest, transfer.size, body, signal);
    } finally {
      body.destroy();
    }
    await this.locations.record(this.registryId, repository, transfer.digest);
  }

  async putManifest(repository: string, manifest: ManifestContent, tags: string[], signal: AbortSignal): Promise<void> {
    if (tags.length === 0) {
      await this.adapter.putManifest(repository, manifest.digest, manifest.body, manifest.mediaType, signal);
      return;
    }
    for (const tag of tags) await this.adapter.putManifest(repository, tag, manifest.body, manifest.mediaType, signal);
  }

  deleteArtifact(repository: string, digest: string, signal: AbortSignal): Promise<boolean> {
    return this.adapter.deleteManifest(repository, digest, signal);
  }

  get deletesTagsAlone(): boolean {
    return this.adapter instanceof HarborAdapter;
  }

  async deleteTag(repository: string, digest: string, tag: string, signal: AbortSignal): Promise<boolean> {
    if (!(this.adapter instanceof HarborAdapter)) throw new TypeError(`a ${this.adapter.type} endpoint cannot remove a tag alone`);
    return this.adapter.deleteTag(repository, digest, tag, signal);
  }

  /**
   * PATCHes of `chunkSize` bytes with Content-Range, then the closing PUT. One chunk is held in
   * memory at a time (it must be sent with its length), never the whole blob.
   */
  private async chunked(repository: string, first: UploadSession, transfer: BlobTransfer, body: Readable, signal: AbortSignal): Promise<void> {
    const chunkSize = transfer.chunkSize!;
    let session = first;
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const chunk = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      session = await this.adapter.patchChunk(repository, session, offset, chunk, signal);
      offset += chunk.length;
    };
    for await (const data of body) {
      let piece = data as Buffer;
      while (piece.length > 0) {
        const room = chunkSize - pendingBytes;
        pending.push(piece.subarray(0, room));
        pendingBytes += Math.min(room, piece.length);
        piece = piece.subarray(room);
        if (pendingBytes === chunkSize) await flush();
      }
    }
    await flush();
    await this.adapter.finishUpload(repository, session, transfer.digest, signal);
  }
}
