import { Inject, Injectable } from '@nestjs/common';
import { SqlClient, type SqlTransaction } from '@wharf/db';
import { DomainError, InvalidError, UnavailableError } from '@wharf/errors';
import { BLOB_DRIVER, type BlobDriver, type ByteRange } from '@wharf/storage';
import { Writable, pipeline as pipeStreams, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDigest, type ParsedDigest } from './digest';
import { QUOTA_LEDGER, type QuotaBudget, type QuotaContext, type QuotaLedgerPort, type QuotaUsage } from './quota-ledger.port';
import { blobKey } from './storage-keys';
import { StorageWriteLatency } from './storage-write-latency';
import { VerifyingStream } from './verifying-stream';

export interface BlobInfo {
  id: number;
  digest: string;
  size: number;
  contentType: string | null;
}

const DELETING_WAIT_MS = 60_000;
/** a blob a push references is touched again only when its last touch is older than this (see touchForReuse) */
const REUSE_TOUCH_INTERVAL_SECONDS = 60;

/**
 * Content-addressed blobs: the `blob` rows (the ground truth GC reads) and the bytes under their
 * digest in storage. Every path that stores or reuses a blob goes through `touch`, which moves
 * the row back to status `none` with a new version, so a concurrent GC sweep's compare-and-set
 * fails for it and the blob stays (ARCHITECTURE.md, "Non-blocking garbage collection").
 * Which projects hold a blob, and what they are charged, is the quota ledger's (the
 * QUOTA_LEDGER port): every link, unlink and quota check goes through it, with the repository
 * and operator a refusal's QUOTA_EXCEED event names.
 */
@Injectable()
export class BlobStore {
  constructor(
    private readonly sql: SqlClient,
    @Inject(BLOB_DRIVER) private readonly driver: BlobDriver,
    @Inject(QUOTA_LEDGER) private readonly quota: QuotaLedgerPort,
    // what pushes feel of the machine's load: a GC's sweep paces itself on it
    private readonly writeLatency: StorageWriteLatency,
  ) {}

  /** A blob the project may serve; null when unknown there or being deleted (clients then upload it again). */
  async findInProject(projectName: string, digest: string): Promise<BlobInfo | null> {
    const rows = await this.sql.queryPrepared<BlobInfo>(
      `SELECT b.id, b.digest, b.size, b.content_type AS "contentType"
         FROM blob b
         JOIN project_blob pb ON pb.blob_id = b.id
         JOIN project p ON p.project_id = pb.project_id
        WHERE b.digest = $1 AND p.name = $2 AND b.status IN ('none', 'delete')`,
      [digest, projectName],
    );
    return rows[0] ?? null;
  }

  /**
   * Reuse of existing blobs (HEAD before push, mount, manifest PUT): protects them from a running
   * GC. Returns those touched. Rows are locked in id order, so concurrent pushes sharing layers
   * cannot deadlock; run it on its own (not inside a long transaction) to keep the locks short.
   */
  async touch(digests: string[]): Promise<Map<string, number>> {
    if (digests.length === 0) return new Map();
    const rows = await this.sql.queryPrepared<{ digest: string; id: number }>(
      `UPDATE blob b SET status = 'none', version = b.version + 1, update_time = now()
         FROM (SELECT id FROM blob WHERE digest = ${BlobStore.anyOf('$1')} AND status IN ('none', 'delete') ORDER BY id FOR UPDATE) s
        WHERE b.id = s.id RETURNING b.digest, b.id`,
      [digests],
    );
    return new Map(rows.map((r) => [r.digest, r.id]));
  }

  /**
   * `touch` for the blobs a manifest push references, minus rows in `none` touched within the last
   * minute: every push of an image built on a popular base layer updated that layer's row, and
   * each such update holds the row until it commits, so concurrent pushes queued on it. A recent
   * touch restarted the GC time window already, and the push's transaction holds the rows (FOR
   * SHARE) while it commits its references, which a GC claim re-checks (ARCHITECTURE.md,
   * "Non-blocking garbage collection"); a blob already marked is always touched back.
   */
  async touchForReuse(digests: string[]): Promise<void> {
    if (digests.length === 0) return;
    await this.sql.queryPrepared(BlobStore.TOUCH_FOR_REUSE, [digests, BlobStore.REUSE_TOUCH_INTERVAL_SECONDS]);
  }

  /**
   * `= ANY(<array parameter>)` in a prepared statement, written so PostgreSQL keeps its generic
   * plan: behind a sub-select the array's length is known to neither plan, so after five
   * executions the generic plan costs no more than a custom one and is kept. Given the array
   * itself, every custom plan knew it held one or two digests and looked cheaper, so the
   * statement was planned again on every call (a manifest push's early read: 0.44 ms a call,
   * 0.09 ms with its generic plan).
   */
  static anyOf(arrayParameter: string): string {
    return `ANY((SELECT ${arrayParameter}::varchar[])::varchar[])`;
  }

  /**
   * `touchForReuse`'s statement ($1: the digests, $2: `REUSE_TOUCH_INTERVAL_SECONDS`), for a caller
   * that makes it part of a read of its own (a manifest push's early checks). The status test is a
   * CASE so that no plan can reach the rows through the status index: a generic plan does not
   * know how few digests come, and on a registry with few old blobs it would otherwise read every
   * blob in `delete` or touched more than a minute ago.
   */
  static readonly TOUCH_FOR_REUSE = `UPDATE blob b SET status = 'none', version = b.version + 1, update_time = now()
         FROM (SELECT id FROM blob
                WHERE digest = ${BlobStore.anyOf('$1')}
                  AND CASE status WHEN 'delete' THEN true WHEN 'none' THEN update_time < now() - make_interval(secs => $2) ELSE false END
                ORDER BY id FOR UPDATE) s
        WHERE b.id = s.id`;

  static readonly REUSE_TOUCH_INTERVAL_SECONDS = REUSE_TOUCH_INTERVAL_SECONDS;

  /**
   * Whether the blob row `blob` is linked to the project row `project`, for a statement's select
   * list: one lookup by the link's unique key per blob. `OFFSET 0` keeps Postgres from planning
   * it as a hash of every `project_blob` row, which a generic plan that cannot see how few blobs
   * come (`anyOf`) picks below a few thousand links, and then builds on every call.
   */
  static linkedToProject(blob: string, project: string): string {
    return `EXISTS (SELECT 1 FROM project_blob pb WHERE pb.blob_id = ${blob}.id AND pb.project_id = ${project}.project_id OFFSET 0)`;
  }

  /** Makes a stored blob available to another project (cross-repository mount); false when the source lacks it. */
  async mount(fromProject: string, toProjectId: number, digest: string, context: QuotaContext): Promise<BlobInfo | null> {
    const source = await this.findInProject(fromProject, digest);
    if (!source || (await this.touch([digest])).size === 0) return null;
    // a blob new to the project costs quota as an upload would: 403 DENIED beyond the limit
    await this.assertQuotaAllows(toProjectId, digest, source.size, context);
    try {
      await this.chargeNow(toProjectId, source, context);
    } catch (error) {
      // collected meanwhile: no mount, the client uploads it instead
      if (error instanceof BlobCollectedError) return null;
      throw error;
    }
    return source;
  }

  /**
   * Stores a blob whose whole body arrives in one request, verified while it streams: the
   * object appears under its digest only when digest and size check out. When the blob is
   * already stored, the body is still verified but not written again.
   */
  async putVerified(projectId: number, digestValue: string, body: Readable, context: QuotaContext, contentLength?: number): Promise<BlobInfo> {
    const digest = parseDigest(digestValue);
    const budget = await this.quotaBudget(projectId, context, digest.digest);
    if (contentLength !== undefined && contentLength > budget.bytes) throw await budget.refuse(contentLength);
    // a body of unknown length is held to the quota as it arrives: the write fails (and leaves nothing) once it would not fit
    const verifier = new VerifyingStream({
      algorithm: digest.algorithm,
      expectedDigest: digest.digest,
      expectedSize: contentLength,
      budget: { bytes: budget.bytes, exceeded: (size) => budget.refuse(size) },
    });
    const stored = await this.claimForWrite(digest.digest);
    if (stored) {
      await pipeline(body, verifier, discard()).catch((error) => {
        throw clientAborted(verifier.errored ?? error);
      });
    } else {
      // pipeStreams destroys the verifier when the client's body fails, so the write aborts too
      pipeStreams(body, verifier, () => undefined);
      await this.writeLatency.time(contentLength, () => this.driver.write(blobKey(digest), verifier, contentLength)).catch((error) => {
        throw clientAborted(verifier.errored ?? error);
      });
    }
    return collectedMeansRetry(this.register(projectId, digest, verifier.bytes, context, stored));
  }

  /**
   * Stores a blob a proxy-cache project fetched from its upstream. `verified` carries the
   * upstream's bytes through a VerifyingStream (it errors, and the write is discarded, when they
   * do not hash to `digest`); the blob becomes visible only once all of it is stored and recorded.
   */
  async putFromUpstream(projectId: number, digestValue: string, verified: Readable, size: number, context: QuotaContext): Promise<BlobInfo> {
    const digest = parseDigest(digestValue);
    await this.assertQuotaAllows(projectId, digest.digest, size, context);
    const stored = (await this.touch([digest.digest])).get(digest.digest);
    if (stored) {
      await pipeline(verified, discard());
    } else {
      await this.waitWhileDeleting(digest.digest);
      await this.driver.write(blobKey(digest), verified, size);
    }
    return collectedMeansRetry(this.register(projectId, digest, size, context, stored));
  }

  /** Answers when the storage backend does (a metadata read of a key that need not exist): for health checks. */
  async probeStorage(): Promise<void> {
    await this.driver.stat('_wharf/health-probe');
  }

  /** Whether the blob's bytes are stored (for any project) and usable. */
  async isStored(digest: string): Promise<boolean> {
    const rows = await this.sql.query(`SELECT 1 FROM blob WHERE digest = $1 AND status IN ('none', 'delete')`, [digest]);
    return rows.length > 0;
  }

  /**
   * Links a blob stored for another project to this one, charging the quota; null when no
   * usable copy exists. Only for a project that has a right to the content other than knowing
   * its digest (a proxy cache whose upstream has just confirmed it has that blob): the project
   * can serve it, and its members mount it elsewhere, from then on.
   */
  async adopt(projectId: number, digestValue: string, context: QuotaContext): Promise<BlobInfo | null> {
    const digest = parseDigest(digestValue);
    const id = (await this.touch([digest.digest])).get(digest.digest);
    if (id === undefined) return null;
    try {
      // the size is the row's own: `record` only updates an existing row
      return await this.register(projectId, digest, 0, context, id);
    } catch (error) {
      if (error instanceof BlobCollectedError) return null;
      throw error;
    }
  }

  /**
   * Stores small content already in memory (a manifest) under its digest unless it is there;
   * the caller records the row (`record`, passing on what this returns) and links it
   * (`linkToProject`) in its own transaction.
   * @returns the id of the existing row it found and touched, or undefined when it wrote the bytes
   */
  async storeBytes(digest: ParsedDigest, bytes: Buffer): Promise<number | undefined> {
    const stored = await this.claimForWrite(digest.digest);
    if (stored) return stored;
    await this.writeLatency.time(bytes.length, () => this.driver.write(blobKey(digest), bytes, bytes.length));
    return undefined;
  }

  /**
   * `storeBytes` for a caller whose own statement claimed the digest with `CLAIM_USABLE` (a
   * manifest push's early read, one round trip fewer): `claim.id`, the usable row it touched (the
   * bytes are there: nothing to write); `claim.found`, whether that statement saw any row. A row
   * it could not touch (GC deleting it, or one left `deletefailed`) goes through `storeBytes`,
   * which waits for the delete or claims the row back before writing.
   * @returns as `storeBytes`
   */
  async storeBytesAfterClaim(digest: ParsedDigest, bytes: Buffer, claim: { id: number | null; found: boolean }): Promise<number | undefined> {
    if (claim.id !== null) return Number(claim.id);
    if (claim.found) return this.storeBytes(digest, bytes);
    await this.writeLatency.time(bytes.length, () => this.driver.write(blobKey(digest), bytes, bytes.length));
    return undefined;
  }

  /**
   * The safe half of `claimForWrite`, for a caller's own statement (`$n` the digest, in
   * `digestParam`): touches a usable row (`none`, `delete`) as `touch` does, returning its id. It
   * leaves a `deletefailed` row alone: claimed back to `none` by a push refused afterwards, it would
   * stand for bytes that may be missing. A row GC holds is waited for, then not touched.
   */
  static claimUsable(digestParam: string): string {
    return `UPDATE blob SET status = 'none', version = version + 1, update_time = now()
             WHERE digest = ${digestParam} AND status IN ('none', 'delete') RETURNING id`;
  }

  /** `QuotaLedgerPort.usageColumns`, for a caller that reads the budget in a statement of its own (see `quotaBudgetFrom`). */
  quotaUsageColumns(project: string, heldDigest: string): string {
    return this.quota.usageColumns(project, heldDigest);
  }

  /** `quotaBudget` from the row a caller read with `quotaUsageColumns`. */
  quotaBudgetFrom(projectId: number, usage: QuotaUsage | undefined, context: QuotaContext): QuotaBudget {
    return this.quota.budgetFrom(projectId, usage, context);
  }

  /**
   * Stores a small blob already in memory and verified against `digest` (an upload whose one
   * chunk was kept in its session row), then records and links it as an upload's end does. Its
   * quota was checked when its bytes arrived; the charge refuses, atomically, a project that
   * filled up since (the bytes then wait for GC like any blob no project holds).
   */
  async putSmallVerified(projectId: number, digest: ParsedDigest, bytes: Buffer, context: QuotaContext): Promise<BlobInfo> {
    const stored = await this.storeBytes(digest, bytes);
    return collectedMeansRetry(this.register(projectId, digest, bytes.length, context, stored));
  }

  /** Publishes a verified staging object under its digest (the end of a chunked upload). */
  async publishStaged(projectId: number, digest: ParsedDigest, stagingKey: string, size: number, context: QuotaContext): Promise<BlobInfo> {
    try {
      await this.assertQuotaAllows(projectId, digest.digest, size, context);
    } catch (error) {
      await this.driver.delete(stagingKey);
      throw error;
    }
    const stored = await this.claimForWrite(digest.digest);
    if (stored) {
      await this.driver.delete(stagingKey);
    } else {
      await this.writeLatency.time(size, () => this.driver.move(stagingKey, blobKey(digest)));
    }
    return collectedMeansRetry(this.register(projectId, digest, size, context, stored));
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    return this.driver.read(blobKey(parseDigest(digest)), range);
  }

  async presignedUrl(digest: string, expiresInSeconds: number): Promise<string | null> {
    return this.driver.presignedReadUrl(blobKey(parseDigest(digest)), expiresInSeconds);
  }

  /** Unlinks a blob from a project (blob DELETE) and gives its size back to the quota; the bytes stay until GC finds nothing references them. */
  async unlinkFromProject(projectName: string, digest: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const held = await tx.query<{ project_id: number; blob_id: number }>(
        `SELECT pb.project_id, pb.blob_id FROM project_blob pb JOIN blob b ON b.id = pb.blob_id JOIN project p ON p.project_id = pb.project_id
          WHERE b.digest = $1 AND p.name = $2`,
        [digest, projectName],
      );
      if (held.length === 0) return false;
      // two concurrent DELETEs of the blob release it once: the second finds nothing left to release
      return (await this.quota.release(tx, held[0].project_id, [held[0].blob_id])) > 0;
    });
  }

  /**
   * Refuses (403 DENIED, naming the quota) a blob of `size` bytes the project does not hold yet
   * when it would take the project past its storage limit. Called before any byte is written;
   * `register` charges the quota atomically, so concurrent pushes cannot overshoot it either.
   */
  async assertQuotaAllows(projectId: number, digest: string, size: number, context: QuotaContext): Promise<void> {
    const budget = await this.quotaBudget(projectId, context, digest);
    if (size > budget.bytes) throw await budget.refuse(size);
  }

  /**
   * How many more bytes the project may store now (Infinity without a limit, or for a blob it
   * already holds: that costs nothing), and the refusal to give a push that needs more. Bodies
   * of unknown length and chunked uploads are held to it as their bytes arrive, so a push that
   * does not fit stops there instead of storing bytes nobody is charged for. `digest`: the blob,
   * when known. The charge itself stays in `linkToProject`, atomic.
   */
  async quotaBudget(projectId: number, context: QuotaContext, digest?: string): Promise<QuotaBudget> {
    return this.quota.budget(projectId, context, digest);
  }

  /**
   * Records a stored blob (status none, new version) and links it to the project, charging its
   * size to the project's quota when the link is new; over the limit: 403 DENIED, not linked.
   */
  async register(projectId: number, digest: ParsedDigest, size: number, context: QuotaContext, existingId?: number): Promise<BlobInfo> {
    // `record` and `chargeNow` as one statement and one synchronous commit: `wharf_blob_record`, migration 1765340000000
    try {
      const rows = await this.sql.queryPrepared<{ id: number; size: number; content_type: string | null }>(
        `SELECT id, size, content_type FROM wharf_blob_record($1, $2, $3, NULL, $4, p_synchronous_commit => true)`,
        [projectId, digest.digest, size, existingId ?? null],
      );
      return { id: rows[0].id, digest: digest.digest, size: rows[0].size, contentType: rows[0].content_type };
    } catch (error) {
      const { code } = error as { code?: string };
      // WB001: being deleted; 23503: removed since (possible only with a time window near zero)
      if (code === 'WB001' || code === '23503') throw new BlobCollectedError(digest.digest);
      throw (await this.quota.refusalOf(error, context)) ?? error;
    }
  }

  /**
   * The blob's row (status none, new version), written on its own statement before any link,
   * so bytes in storage never lack a row GC can find even when the push then fails.
   *
   * It never brings back a row GC has claimed since the bytes were written or found: that would
   * leave a row whose bytes GC is deleting. `existingId` (the row `touch` found, when the bytes
   * were not written again) must still be that row, not being deleted; otherwise, and when the
   * row is being deleted right now, it throws BlobCollectedError.
   */
  async record(digest: ParsedDigest, size: number, contentType?: string, existingId?: number): Promise<BlobInfo> {
    const rows = existingId !== undefined
      ? await this.sql.query<BlobInfo>(
          `UPDATE blob SET status = 'none', version = version + 1, update_time = now(), content_type = COALESCE($2, content_type)
            WHERE id = $1 AND status IN ('none', 'delete')
            RETURNING id, digest, size, content_type AS "contentType"`,
          [existingId, contentType ?? null],
        )
      : await this.sql.query<BlobInfo>(
          `INSERT INTO blob (digest, size, content_type) VALUES ($1, $2, $3)
           ON CONFLICT (digest) DO UPDATE SET status = 'none', version = blob.version + 1, update_time = now(),
                                              content_type = COALESCE(EXCLUDED.content_type, blob.content_type)
            WHERE blob.status <> 'deleting'
           RETURNING id, digest, size, content_type AS "contentType"`,
          [digest.digest, size, contentType ?? null],
        );
    if (!rows[0]) throw new BlobCollectedError(digest.digest);
    return rows[0];
  }

  /**
   * Links a recorded blob to a project inside the caller's transaction, charging the quota
   * when the link is new (the quota ledger does both). Over the limit it throws 403 DENIED naming
   * the quota, the caller's transaction rolls back with nothing linked, and the ledger records
   * the QUOTA_EXCEED event `context` describes.
   */
  async linkToProject(projectId: number, blob: BlobInfo, tx: SqlTransaction, context: QuotaContext): Promise<void> {
    await this.quota.charge(tx, projectId, [blob], context).catch((error: { code?: string }) => {
      // foreign key violation: GC removed the row since it was recorded (possible only with a time window near zero)
      throw error.code === '23503' ? new BlobCollectedError(blob.digest) : error;
    });
  }

  /**
   * `linkToProject` as one statement of its own (no transaction around it): a blob upload's or a
   * mount's link and charge, and a manifest push's for its own blob before its transaction. Over
   * the limit: 403 DENIED naming the quota, not linked.
   */
  async chargeNow(projectId: number, blob: BlobInfo, context: QuotaContext): Promise<void> {
    await this.quota.chargeNow(projectId, [blob], context).catch((error: { code?: string }) => {
      throw error.code === '23503' ? new BlobCollectedError(blob.digest) : error;
    });
  }

  /**
   * `record` and `chargeNow` of a manifest's own blob as one statement
   * (`wharf_blob_record`, migration 1765340000000) committed without a WAL flush wait:
   * the project row is held exclusively only that long. The push's transaction, committed
   * synchronously after it, makes it durable with itself. GC took the row meanwhile:
   * BlobCollectedError; beyond the quota: 403 DENIED naming it, not linked.
   */
  async recordAndCharge(projectId: number, digest: ParsedDigest, size: number, contentType: string, existingId: number | undefined, context: QuotaContext): Promise<BlobInfo> {
    try {
      const rows = await this.sql.queryPrepared<{ id: number }>(`SELECT id FROM wharf_blob_record($1, $2, $3, $4, $5, p_synchronous_commit => false)`, [
        projectId, digest.digest, size, contentType, existingId ?? null,
      ]);
      return { id: rows[0].id, digest: digest.digest, size, contentType };
    } catch (error) {
      const { code } = error as { code?: string };
      // WB001: being deleted; 23503: removed since (possible only with a time window near zero)
      if (code === 'WB001' || code === '23503') throw new BlobCollectedError(digest.digest);
      throw (await this.quota.refusalOf(error, context)) ?? error;
    }
  }

  /**
   * Before a push writes a blob's bytes, one statement: a usable row (`none`, `delete`) is
   * touched as `touch` does and its id returned (the bytes are there: nothing to write); a row
   * left `deletefailed` by an earlier run (its bytes may or may not be there) is claimed back to
   * `none`, so no sweep can pick it while we write; no row, nothing. A row GC is removing right
   * now (`deleting`) is waited for: writing before it finishes would let it delete our bytes.
   * @returns the id of the stored blob touched, or undefined when the bytes must be written
   */
  private async claimForWrite(digest: string): Promise<number | undefined> {
    const deadline = Date.now() + DELETING_WAIT_MS;
    for (;;) {
      const rows = await this.sql.queryPrepared<{ id: number; status: string }>(
        `WITH found AS (
           SELECT id, status FROM blob WHERE digest = $1 AND status IN ('none', 'delete', 'deletefailed') FOR UPDATE
         ), claimed AS (
           UPDATE blob b SET status = 'none', version = b.version + 1, update_time = now() FROM found WHERE b.id = found.id
           RETURNING b.id, CASE WHEN found.status = 'deletefailed' THEN 'claimed' ELSE 'stored' END AS status
         )
         SELECT id, status FROM claimed
         UNION ALL SELECT id, status FROM blob WHERE digest = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`,
        [digest],
      );
      const row = rows[0];
      if (row?.status !== 'deleting') return row?.status === 'stored' ? row.id : undefined;
      if (Date.now() > deadline) throw new UnavailableError('blob is being garbage collected; retry shortly', { details: { digest } });
      await sleep(100);
    }
  }

  /**
   * Called before writing a blob's bytes. GC is removing this blob right now: writing before it
   * finishes would let it delete our bytes, so wait. A row left `deletefailed` by an earlier run
   * (its bytes may or may not be there) is claimed back to `none` first, so no sweep can pick it
   * while we write.
   */
  private async waitWhileDeleting(digest: string): Promise<void> {
    const deadline = Date.now() + DELETING_WAIT_MS;
    for (;;) {
      const rows = await this.sql.queryPrepared<{ status: string }>(
        `WITH claimed AS (
           UPDATE blob SET status = 'none', version = version + 1, update_time = now()
            WHERE digest = $1 AND status = 'deletefailed' RETURNING status
         )
         SELECT status FROM claimed UNION ALL SELECT status FROM blob WHERE digest = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`,
        [digest],
      );
      if (rows[0]?.status !== 'deleting') return;
      if (Date.now() > deadline) throw new UnavailableError('blob is being garbage collected; retry shortly', { details: { digest } });
      await sleep(100);
    }
  }
}

/** GC collected (or is collecting) a blob between the moment a push found or wrote its bytes and the moment it recorded them. */
export class BlobCollectedError extends Error {
  constructor(readonly digest: string) {
    super(`blob ${digest} was garbage collected during the push`);
  }
}

/** The client still has the bytes and can send them again; we no longer do. Only a time window near zero makes this possible. */
async function collectedMeansRetry<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof BlobCollectedError) throw new UnavailableError('the blob was garbage collected while it was pushed; push it again', { details: { digest: error.digest } });
    throw error;
  }
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** A body that broke off (client disconnect) becomes an invalid upload; other errors pass unchanged. */
export function clientAborted(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR') {
    return new InvalidError('upload', 'the request body ended before the upload was complete');
  }
  return error;
}
