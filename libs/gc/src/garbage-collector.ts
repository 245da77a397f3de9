import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { WharfMetrics } from '@wharf/metrics';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { describeFailure } from '@wharf/errors';
import { ExecutionService, type GarbageCollectionPayload, type JobContext } from '@wharf/jobs';
import { UploadSessions } from '@wharf/registry-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlobSweeper, isManifest, type ClaimedBlob, type SweepOutcome } from './blob-sweeper';
import { DeletePacer } from './delete-pacer';
import { PushLatencySignal } from './push-latency-signal';
import { UntaggedArtifacts } from './untagged-artifacts';

/** Blobs per storage batch: one S3 DeleteObjects request takes at most 1000 keys. */
const SWEEP_CHUNK = 1000;
const MARK_CHUNK = 2000;
const UNTAGGED_PAGE = 500;
/** How long a run waits for another collection (a stalled duplicate of the same job) to let go. */
const LOCK_WAIT_MS = 10 * 60_000;

// held on a connection of its own for the whole run: one collection at a time across all workers
const RUN_LOCK_KEY = `hashtext('wharf:gc:run')`;

/** Counters kept in the task's progress; a resumed run continues them. */
export interface GcProgress {
  phase: 'started' | 'untagged' | 'mark' | 'sweep' | 'uploads' | 'done';
  dry_run: boolean;
  untagged_artifacts: number;
  candidates: number;
  candidate_bytes: number;
  blobs_deleted: number;
  manifests_deleted: number;
  bytes_freed: number;
  delete_failed: number;
  uploads_purged: number;
}

class StopRequested extends Error {}

/**
 * Harbor's non-blocking garbage collection (ARCHITECTURE.md): optionally removes untagged
 * artifacts, marks unreferenced blobs untouched within the time window, then sweeps them by
 * compare-and-set in chunks, deleting storage in batches and giving quota back. The registry
 * stays read-write throughout; a push that reuses a blob during the run keeps it.
 *
 * A run checks for a stop request between chunks and records progress after each; a run that
 * dies is retried by BullMQ and resumes (every step is idempotent: what was swept is gone, what
 * was marked is found again, blobs left `deleting` are finished first). No client ever sees a
 * referenced blob missing, whether the run ends, stops or crashes.
 */
@Injectable()
export class GarbageCollector {
  private readonly logger = new Logger(GarbageCollector.name);

  constructor(
    private readonly sql: SqlClient,
    private readonly executions: ExecutionService,
    private readonly sweeper: BlobSweeper,
    private readonly untagged: UntaggedArtifacts,
    private readonly uploads: UploadSessions,
    private readonly config: AppConfig,
    private readonly metrics: WharfMetrics,
    private readonly pushLatency: PushLatencySignal,
  ) {}

  /** Runs (or resumes) the collection of `payload.taskId`; null when that task had already ended. */
  async run(payload: GarbageCollectionPayload, context: JobContext = { attempt: 1, finalAttempt: true }): Promise<GcProgress | null> {
    if (!(await this.executions.transition(payload.taskId, 'Running'))) return null;
    try {
      return await this.sql.withConnection(async (session) => {
        await this.acquireRunLock(session, payload);
        try {
          return await this.collect(payload, context);
        } finally {
          await session.query(`SELECT pg_advisory_unlock(${RUN_LOCK_KEY})`);
        }
      });
    } catch (error) {
      if (error instanceof StopRequested) {
        await this.executions.log(payload.taskId, 'stopped on request');
        await this.executions.transition(payload.taskId, 'Stopped', 'stopped on request');
        return null;
      }
      const message = (error as Error).message;
      // the task log names a domain error's kind (unavailable, not-found...), so its reader knows what kind of refusal ended the run
      const failure = describeFailure(error);
      this.logger.error(`garbage collection ${payload.executionId} attempt ${context.attempt} failed: ${failure}`);
      await this.executions.log(payload.taskId, `attempt ${context.attempt} failed: ${failure}${context.finalAttempt ? '' : ' (will resume)'}`);
      if (context.finalAttempt) await this.executions.transition(payload.taskId, 'Error', message);
      throw error;
    }
  }

  private async collect(payload: GarbageCollectionPayload, context: JobContext): Promise<GcProgress> {
    const { taskId, dryRun, deleteUntagged } = payload;
    const windowHours = this.config.GC_TIME_WINDOW_HOURS;
    // the database's clock, the one update_time and push_time were written with
    const cutoff = (await this.sql.query<{ cutoff: Date }>(`SELECT now() - make_interval(hours => $1) AS cutoff`, [windowHours]))[0].cutoff;
    // a run that finds progress recorded is a resumption (a retry, or a worker that died): its counters go on
    const earlier = (await this.executions.taskProgress(taskId)) as Partial<GcProgress>;
    const progress: GcProgress = {
      phase: 'started', dry_run: dryRun, untagged_artifacts: 0, candidates: 0, candidate_bytes: 0, blobs_deleted: 0, manifests_deleted: 0,
      bytes_freed: 0, delete_failed: 0, uploads_purged: 0,
      ...(dryRun ? {} : earlier),
    };
    await this.executions.log(
      taskId,
      `${earlier.phase ? `resuming (attempt ${context.attempt})` : 'starting'}: dry_run=${dryRun} delete_untagged=${deleteUntagged} ` +
        `workers=${payload.workers} time window=${windowHours}h (blobs untouched since ${cutoff.toISOString()})`,
    );
    if (dryRun) return this.dryRun(payload, cutoff, progress);

    // one pacer for the run: what it learnt about the storage's latency carries over from chunk to
    // chunk; the pushes' latency now, before anything is deleted, is what it keeps them near
    const pacer = this.newPacer();
    await pacer.startRun();
    await this.finishLeftDeleting(payload, progress, pacer);
    if (deleteUntagged) await this.deleteUntagged(payload, cutoff, progress);
    await this.mark(payload, cutoff, progress);
    await this.sweepMarked(payload, cutoff, progress, pacer);
    await this.logPacing(payload, pacer);

    await this.report(payload, progress, 'uploads');
    const purged = await this.uploads.purgeOlderThan(windowHours);
    progress.uploads_purged += purged;
    await this.executions.log(taskId, `purged ${purged} upload session(s) idle for longer than ${windowHours}h, with their staged bytes`);

    await this.report(payload, progress, 'done', false);
    await this.executions.log(
      taskId,
      `done: deleted ${progress.blobs_deleted} blob(s) (${progress.manifests_deleted} manifest(s)), freed ${progress.bytes_freed} bytes; ` +
        `${progress.untagged_artifacts} untagged artifact(s) deleted; ${progress.delete_failed} blob(s) could not be deleted`,
    );
    const outcome = progress.delete_failed > 0 ? `${progress.delete_failed} blob(s) could not be deleted and will be retried by the next run` : '';
    await this.executions.transition(taskId, 'Success', outcome);
    return progress;
  }

  /** Counts exactly what a real run would free now, changing nothing. */
  private async dryRun(payload: GarbageCollectionPayload, cutoff: Date, progress: GcProgress): Promise<GcProgress> {
    const removed: number[] = [];
    // with what each takes along (accessories, children nothing else keeps), as the real run's deep delete does
    const removedWithMembers = new Set<number>();
    if (payload.deleteUntagged) {
      for (let after = 0; ; ) {
        const page = await this.untagged.page(cutoff, after, UNTAGGED_PAGE);
        if (page.length === 0) break;
        removed.push(...page.map((a) => a.id));
        for (const artifact of page) for (const id of await this.untagged.wouldRemove(artifact)) removedWithMembers.add(id);
        await this.executions.logMany(payload.taskId, page.map((a) => `would delete untagged artifact ${a.repository}@${a.digest}`));
        after = page[page.length - 1].id;
        await this.report(payload, progress, 'untagged');
      }
    }
    const tally = await this.sweeper.tallyCandidates(cutoff, [...removedWithMembers]);
    Object.assign(progress, { untagged_artifacts: removed.length, candidates: tally.blobs, candidate_bytes: tally.bytes });
    await this.report(payload, progress, 'done', false);
    const summary =
      `dry run: would delete ${tally.blobs} blob(s) (${tally.manifests} manifest(s)), freeing ${tally.bytes} bytes` +
      (payload.deleteUntagged ? `, and ${removed.length} untagged artifact(s)` : '');
    await this.executions.log(payload.taskId, summary);
    await this.executions.transition(payload.taskId, 'Success', summary);
    return progress;
  }

  private async finishLeftDeleting(payload: GarbageCollectionPayload, progress: GcProgress, pacer: DeletePacer): Promise<void> {
    for (let after = 0; ; ) {
      const left = await this.sweeper.leftDeleting(after, SWEEP_CHUNK);
      if (left.length === 0) return;
      await this.executions.log(payload.taskId, `finishing ${left.length} blob(s) an interrupted run left being deleted`);
      await this.record(payload, progress, await this.sweeper.sweep(left, pacer));
      after = left[left.length - 1].id;
      await this.report(payload, progress, 'sweep');
    }
  }

  private async deleteUntagged(payload: GarbageCollectionPayload, cutoff: Date, progress: GcProgress): Promise<void> {
    for (let after = 0; ; ) {
      const page = await this.untagged.page(cutoff, after, UNTAGGED_PAGE);
      if (page.length === 0) return;
      const lines: string[] = [];
      for (const artifact of page) {
        if (!(await this.untagged.delete(artifact, cutoff))) continue;
        progress.untagged_artifacts += 1;
        lines.push(`deleted untagged artifact ${artifact.repository}@${artifact.digest}`);
      }
      await this.executions.logMany(payload.taskId, lines);
      after = page[page.length - 1].id;
      await this.report(payload, progress, 'untagged');
    }
  }

  private async mark(payload: GarbageCollectionPayload, cutoff: Date, progress: GcProgress): Promise<void> {
    let marked = 0;
    for (let after = 0; ; ) {
      const chunk = await this.sweeper.markChunk(after, cutoff, MARK_CHUNK);
      if (!chunk) break;
      marked += chunk.tally.blobs;
      progress.candidates += chunk.tally.blobs;
      progress.candidate_bytes += chunk.tally.bytes;
      after = chunk.lastId;
      await this.report(payload, progress, 'mark');
    }
    await this.executions.log(payload.taskId, `marked ${marked} unreferenced blob(s) as candidates`);
  }

  /**
   * Claims and sweeps the marked blobs, `workers` chunks at a time; within them, storage deletes
   * run as many at a time as the pacer finds the storage can take.
   */
  private async sweepMarked(payload: GarbageCollectionPayload, cutoff: Date, progress: GcProgress, pacer: DeletePacer): Promise<void> {
    const parallel = Math.min(Math.max(payload.workers, 1), 5);
    for (let after = 0; ; ) {
      const ids = await this.sweeper.markedPage(after, SWEEP_CHUNK * parallel);
      if (ids.length === 0) return;
      const chunks = Array.from({ length: Math.ceil(ids.length / SWEEP_CHUNK) }, (_, i) => ids.slice(i * SWEEP_CHUNK, (i + 1) * SWEEP_CHUNK));
      const outcomes = await Promise.all(chunks.map(async (chunk) => this.sweeper.sweep(await this.sweeper.claim(chunk, cutoff), pacer)));
      for (const outcome of outcomes) await this.record(payload, progress, outcome);
      after = ids[ids.length - 1];
      await this.report(payload, progress, 'sweep');
    }
  }

  /** A pacer on the storage's latency and the pushes' (GC_DELETE_* and GC_PUSH_LATENCY_* settings). */
  newPacer(): DeletePacer {
    const max = this.config.GC_DELETE_MAX_KEYS_PER_SECOND;
    return new DeletePacer({
      maxKeysPerSecond: max > 0 ? max : Infinity,
      minKeysPerSecond: max > 0 ? Math.min(this.config.GC_DELETE_MIN_KEYS_PER_SECOND, max) : this.config.GC_DELETE_MIN_KEYS_PER_SECOND,
      pushBackOffAbove: this.config.GC_PUSH_LATENCY_BACKOFF_PERCENT / 100,
      pushLatency: () => this.pushLatency.read(),
    });
  }

  private async logPacing(payload: GarbageCollectionPayload, pacer: DeletePacer): Promise<void> {
    const pacing = pacer.summary();
    if (pacing.requests === 0) return;
    const baseline = pacing.baselineMsPerKey === null ? '-' : `${pacing.baselineMsPerKey.toFixed(2)} ms per key`;
    await this.executions.log(
      payload.taskId,
      `storage deletes: ${pacing.requests} request(s), up to ${pacing.highestLimit} in flight (${pacing.limit} at the end, ${pacing.backOffs} back-off(s)), fastest ${baseline}; ` +
        `pushes' write latency before the run ${pacing.pushBaselineMs === null ? '-' : `${pacing.pushBaselineMs.toFixed(1)} ms`}, ${pacing.pushBackOffs} slow-down(s) for it, ` +
        `rate at least ${rateText(pacing.lowestKeysPerSecond)} (${rateText(pacing.keysPerSecond)} at the end)`,
    );
  }

  private async record(payload: GarbageCollectionPayload, progress: GcProgress, outcome: SweepOutcome): Promise<void> {
    progress.blobs_deleted += outcome.deleted.length;
    progress.manifests_deleted += outcome.deleted.filter(isManifest).length;
    const freed = outcome.deleted.reduce((sum, b) => sum + b.size, 0);
    progress.bytes_freed += freed;
    this.metrics.gcFreedBytes.inc(freed);
    progress.delete_failed += outcome.failed.length;
    await this.executions.logMany(payload.taskId, [
      ...outcome.deleted.map((b: ClaimedBlob) => `deleted ${isManifest(b) ? 'manifest' : 'blob'} ${b.digest} (${b.size} bytes)`),
      ...outcome.failed.map((f) => `could not delete blob ${f.blob.digest}: ${f.reason} (marked deletefailed, retried next run)`),
    ]);
  }

  /** Records progress (the watchdog's sign of life) and ends the run here if a stop was asked for. */
  private async report(payload: GarbageCollectionPayload, progress: GcProgress, phase: GcProgress['phase'], checkStop = true): Promise<void> {
    progress.phase = phase;
    await this.executions.progress(payload.taskId, { ...progress });
    if (checkStop && (await this.executions.stopRequested(payload.executionId))) throw new StopRequested();
  }

  private async acquireRunLock(session: SqlExecutor, payload: GarbageCollectionPayload): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let waited = false; ; waited = true) {
      const [{ locked }] = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${RUN_LOCK_KEY}) AS locked`);
      if (locked) return;
      if (!waited) await this.executions.log(payload.taskId, 'waiting for another garbage collection to finish');
      if (Date.now() > deadline) throw new Error('another garbage collection held the lock for over 10 minutes');
      if (await this.executions.stopRequested(payload.executionId)) throw new StopRequested();
      await this.executions.progress(payload.taskId, { phase: 'started' });
      await sleep(1000);
    }
  }
}

const rateText = (keysPerSecond: number): string => (Number.isFinite(keysPerSecond) ? `${Math.round(keysPerSecond)} keys/s` : 'unlimited');
