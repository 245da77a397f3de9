import { Injectable } from '@nestjs/common';
import { Transform, pipeline } from 'node:stream';
import { AppConfig } from '@wharf/config';
import { InvalidError, NotFoundError, describeFailure } from '@wharf/errors';
import { parseManifest, type Descriptor } from '@wharf/registry-core';
import type { ArtifactCopier, CopyContext, CopyOutcome, ReplicationItem } from '../replication-copy';
import type { DestinationSide, ManifestContent, SourceSide } from './copy-sides';
import { CopySides } from './copy-sides.factory';
import { RETRY_ATTEMPTS, withRetries } from './retries';
import { SpeedLimit } from './speed-limit';

/** Accessories of accessories are followed this deep (a signature of an SBOM of the image). */
const MAX_ACCESSORY_DEPTH = 3;

/** What one task's copy keeps while it runs. */
interface Run {
  item: ReplicationItem;
  context: CopyContext;
  source: SourceSide;
  destination: DestinationSide;
  limit: SpeedLimit | null;
  /** blobs finished by this task (here or by a worker before), by digest: never sent again */
  done: Set<string>;
  /** manifests already at the destination or put there by this run */
  manifestsPresent: Set<string>;
  outcome: CopyOutcome;
  saving: Promise<void>;
}

/**
 * The copy engine (ArtifactCopier): one ReplicationItem from its source to its destination.
 *
 * Order, so the destination never holds a manifest whose content is missing: per tag, the
 * destination's digest decides (same: skip; another and no override: skip and say why); then
 * the blobs (HEAD, skipped when present; mounted from another repository of the destination that
 * has them; else uploaded monolithic or in chunks, throttled to the task's speed, retried with
 * backoff), an index's children before the index, the manifest last, and the artifact's
 * accessories (signatures, SBOMs) after it. Each finished blob is recorded in the task's
 * progress, so a task resumed by another worker sends none of them again. A dry run only HEADs
 * and logs.
 */
@Injectable()
export class ReplicationArtifactCopier implements ArtifactCopier {
  constructor(
    private readonly sides: CopySides,
    private readonly config: AppConfig,
  ) {}

  async copy(item: ReplicationItem, context: CopyContext): Promise<CopyOutcome> {
    const destination = await this.sides.destination(item.destination.side);
    const outcome: CopyOutcome = { action: 'skipped', bytesSent: 0, blobsSent: 0, blobsSkipped: 0, blobsMounted: 0 };
    if (item.operation === 'delete') return this.delete(item, destination, context, outcome);
    if (destination.refusesPushes) throw new InvalidError('request', destination.refusesPushes);
    const source = await this.sides.source(item.source.side);
    const progress = await context.progress.load();
    const run: Run = {
      item,
      context,
      source,
      destination,
      limit: item.speedKiBps ? new SpeedLimit(item.speedKiBps) : null,
      done: new Set(Array.isArray(progress.blobs) ? (progress.blobs as string[]) : []),
      manifestsPresent: new Set(),
      outcome,
      saving: Promise.resolve(),
    };
    const from = `${source.label}:${item.source.repository}@${item.source.digest}`;
    const to = `${destination.label}:${item.destination.repository}`;
    check(context.signal);
    const root = await source.manifest(item.source.repository, item.source.digest, context.signal);
    if (!root) throw new NotFoundError('artifact', `${from} is not in the source registry (any more)`);

    const tags = await this.tagsToPoint(run, to);
    if (tags === null) return outcome;
    if (context.dryRun) {
      await context.log(`would copy ${from} to ${to}${tags.length ? ` as ${tags.join(', ')}` : ''}`);
      return { ...outcome, action: 'would-copy' };
    }
    if (run.done.size) await context.log(`resuming: ${run.done.size} blob(s) finished before are not sent again`);
    await context.log(`copying ${from} to ${to}${tags.length ? ` as ${tags.join(', ')}` : ''}`);
    await this.copyManifest(run, root, tags);
    await this.copyAccessories(run, root.digest, 0);
    await run.saving;
    await context.log(
      `copied ${from}: ${outcome.blobsSent} blob(s) sent (${outcome.bytesSent} bytes), ${outcome.blobsMounted} mounted, ${outcome.blobsSkipped} already there`,
    );
    return { ...outcome, action: 'copied' };
  }

  /**
   * The tags to point at the artifact, after comparing each with the destination; null when
   * nothing is left to do (the outcome then says why).
   */
  private async tagsToPoint(run: Run, to: string): Promise<string[] | null> {
    const { item, destination, context, outcome } = run;
    const repository = item.destination.repository;
    const digest = item.source.digest;
    if (item.destination.tags.length === 0) {
      if (await destination.headManifest(repository, digest, context.signal)) {
        await context.log(`skipped ${to}@${digest}: same digest at destination`);
        Object.assign(outcome, { action: 'skipped', reason: 'same digest at destination' });
        return null;
      }
      return [];
    }
    const tags: string[] = [];
    let other = false;
    for (const tag of item.destination.tags) {
      const existing = await destination.headManifest(repository, tag, context.signal);
      if (existing?.digest === digest) {
        await context.log(`skipped ${to}:${tag}: same digest at destination (${digest})`);
        continue;
      }
      if (existing && !item.override) {
        other = true;
        await context.log(`skipped ${to}:${tag}: tag holds another artifact (${existing.digest}) and override is off`);
        continue;
      }
      if (existing) await context.log(`${to}:${tag} holds ${existing.digest}: overridden (override is on)`);
      tags.push(tag);
    }
    if (tags.length === 0) {
      const reason = other ? 'tag holds another artifact and override is off' : 'same digest at destination';
      Object.assign(outcome, { action: 'skipped', reason });
      return null;
    }
    return tags;
  }

  /** An image's blobs then its manifest; an index's children (each with its blobs) first. */
  private async copyManifest(run: Run, manifest: ManifestContent, tags: string[]): Promise<void> {
    const { item, source, destination, context } = run;
    check(context.signal);
    const parsed = parseManifest(manifest.body, manifest.mediaType);
    for (const child of parsed.manifests) {
      if (await this.presentAtDestination(run, child.digest)) continue;
      const content = await source.manifest(item.source.repository, child.digest, context.signal);
      if (!content) throw new NotFoundError('manifest', `${item.source.repository}@${child.digest}, named by index ${manifest.digest}, is not in the source`);
      await this.copyManifest(run, content, []);
    }
    await this.copyBlobs(run, parsed.blobs);
    check(context.signal);
    await withRetries(
      context.signal,
      () => destination.putManifest(item.destination.repository, manifest, tags, context.signal),
      (error, attempt, waitMs) => context.log(`manifest ${manifest.digest}: attempt ${attempt} of ${RETRY_ATTEMPTS} failed (${describeFailure(error)}); retrying in ${waitMs} ms`),
    );
    run.manifestsPresent.add(manifest.digest);
  }

  private async copyAccessories(run: Run, subject: string, depth: number): Promise<void> {
    if (depth >= MAX_ACCESSORY_DEPTH) return;
    const { item, source, context } = run;
    for (const accessory of await source.accessories(item.source.repository, subject, context.signal)) {
      if (!(await this.presentAtDestination(run, accessory.digest))) {
        const content = await source.manifest(item.source.repository, accessory.digest, context.signal);
        if (!content) continue;
        await context.log(`copying accessory ${accessory.digest} of ${subject}${accessory.tags.length ? ` (${accessory.tags.join(', ')})` : ''}`);
        await this.copyManifest(run, content, accessory.tags);
      }
      await this.copyAccessories(run, accessory.digest, depth + 1);
    }
  }

  private async presentAtDestination(run: Run, digest: string): Promise<boolean> {
    if (run.manifestsPresent.has(digest)) return true;
    const present = (await run.destination.headManifest(run.item.destination.repository, digest, run.context.signal)) !== null;
    if (present) run.manifestsPresent.add(digest);
    return present;
  }

  /** The blobs, a few at a time; each one HEADed, mounted or sent, then recorded as finished. */
  private async copyBlobs(run: Run, blobs: Descriptor[]): Promise<void> {
    const unique = [...new Map(blobs.map((b) => [b.digest, b])).values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < unique.length) {
        const blob = unique[next];
        next += 1;
        await this.copyBlob(run, blob);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.REPLICATION_BLOB_CONCURRENCY, unique.length) }, worker));
  }

  private async copyBlob(run: Run, blob: Descriptor): Promise<void> {
    const { item, source, destination, context, outcome } = run;
    const repository = item.destination.repository;
    if (run.done.has(blob.digest)) {
      outcome.blobsSkipped += 1;
      return;
    }
    check(context.signal);
    await withRetries(context.signal, async () => {
      if (await destination.hasBlob(repository, blob.digest, context.signal)) {
        outcome.blobsSkipped += 1;
        return;
      }
      if (await destination.reuseBlob(repository, blob.digest, source, item.source.repository, context.signal)) {
        outcome.blobsMounted += 1;
        await context.log(`mounted ${blob.digest} into ${repository}`);
        return;
      }
      let sent = 0;
      await destination.putBlob(
        repository,
        {
          digest: blob.digest,
          size: blob.size,
          chunkSize: item.copyByChunk ? this.config.REPLICATION_CHUNK_SIZE_BYTES : null,
          open: async () => {
            const content = await source.openBlob(item.source.repository, blob.digest, context.signal);
            if (!content) throw new NotFoundError('blob', `${item.source.repository}@${blob.digest} is not in the source`);
            sent = 0;
            const counter = new Transform({
              transform(chunk: Buffer, _encoding, done) {
                sent += chunk.length;
                done(null, chunk);
              },
            });
            // a failure of the source ends the copy's stream with it (and so the upload)
            return run.limit ? pipeline(content.stream, run.limit.stream(), counter, noop) : pipeline(content.stream, counter, noop);
          },
        },
        context.signal,
      );
      outcome.blobsSent += 1;
      outcome.bytesSent += sent;
    }, (error, attempt, waitMs) => context.log(`blob ${blob.digest}: attempt ${attempt} of ${RETRY_ATTEMPTS} failed (${describeFailure(error)}); retrying in ${waitMs} ms`));
    run.done.add(blob.digest);
    // saved one after another (a later save carries every digest an earlier one did)
    run.saving = run.saving.then(() => context.progress.save({ blobs: [...run.done] }));
    await run.saving;
  }

  /**
   * `replicate_deletion`: the artifact (by the source's digest), or with `tagsOnly` just the
   * destination's tags, each only while it still names that artifact (or with override).
   */
  private async delete(item: ReplicationItem, destination: DestinationSide, context: CopyContext, outcome: CopyOutcome): Promise<CopyOutcome> {
    const repository = item.destination.repository;
    const digest = item.source.digest;
    const to = `${destination.label}:${repository}`;
    if (!item.tagsOnly) {
      if (!(await destination.headManifest(repository, digest, context.signal))) {
        await context.log(`skipped deleting ${to}@${digest}: not at destination`);
        return { ...outcome, action: 'skipped', reason: 'not at destination' };
      }
      if (context.dryRun) {
        await context.log(`would delete ${to}@${digest}`);
        return { ...outcome, action: 'would-delete' };
      }
      await destination.deleteArtifact(repository, digest, context.signal);
      await context.log(`deleted ${to}@${digest}`);
      return { ...outcome, action: 'deleted' };
    }
    if (!destination.deletesTagsAlone) {
      const reason = 'the destination removes artifacts only, not a tag alone';
      await context.log(`skipped deleting ${to}:${item.destination.tags.join(', ')}: ${reason} (the artifact ${digest} stays)`);
      return { ...outcome, action: 'skipped', reason };
    }
    let deleted = 0;
    let reason = 'not at destination';
    for (const tag of item.destination.tags) {
      const existing = await destination.headManifest(repository, tag, context.signal);
      if (!existing) {
        await context.log(`skipped deleting ${to}:${tag}: not at destination`);
        continue;
      }
      if (existing.digest !== digest && !item.override) {
        reason = 'tag holds another artifact and override is off';
        await context.log(`skipped deleting ${to}:${tag}: it holds ${existing.digest}, not ${digest}, and override is off`);
        continue;
      }
      if (context.dryRun) {
        await context.log(`would delete ${to}:${tag}`);
      } else {
        await destination.deleteTag(repository, existing.digest, tag, context.signal);
        await context.log(`deleted ${to}:${tag}`);
      }
      deleted += 1;
    }
    if (deleted === 0) return { ...outcome, action: 'skipped', reason };
    return { ...outcome, action: context.dryRun ? 'would-delete' : 'deleted' };
  }
}

const noop = (): void => undefined;

function check(signal: AbortSignal): void {
  signal.throwIfAborted();
}
