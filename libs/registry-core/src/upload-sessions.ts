import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@wharf/config';
import { SqlClient } from '@wharf/db';
import { InvalidError, NotFoundError, TooManyRequestsError, UploadPositionError } from '@wharf/errors';
import { BLOB_DRIVER, type AppendableObject, type BlobDriver } from '@wharf/storage';
import { randomUUID } from 'node:crypto';
import { Readable, pipeline as pipeStreams } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { BlobStore, clientAborted, type BlobInfo } from './blob-store';
import { newHash, parseDigest, type ParsedDigest } from './digest';
import { isQuotaExceeded } from './quota-exceeded';
import type { QuotaContext } from './quota-ledger.port';
import { uploadStagingKey } from './storage-keys';
import { UploadHashCache } from './upload-hash-cache';
import { UPLOAD_LEASE_SECONDS, UploadLease } from './upload-lease';
import { VerifyingStream } from './verifying-stream';

export interface UploadSession {
  id: string;
  projectId: number;
  repositoryName: string;
  storageKey: string;
  storageState: Record<string, unknown>;
  size: number;
  version: number;
  /** the first chunk while it is all the upload holds (kept in the row, not in storage); null otherwise */
  firstChunk: Buffer | null;
}

/** An inclusive byte range from a Content-Range header. */
export interface ChunkRange {
  start: number;
  end: number;
}

/** first key of the advisory lock that serialises one principal's session starts (the second is the principal's hash) */
const SESSION_SLOTS_LOCK = 0x75706c64;

/**
 * Added to the statements that keep a session's bookkeeping (start, lease, chunk recorded, row
 * removed): their commit does not wait for the WAL flush (synchronous_commit off for that
 * transaction alone; each such flush costs a few milliseconds, and an upload made four of them).
 * A database crash can then lose the last fraction of a second of these changes, which leaves an
 * upload exactly where a crash of the api between its storage write and its row update would:
 * a session unknown (the client starts again), a chunk not recorded (the client resumes from the
 * recorded offset), a finished session still listed (the purge removes it). The blob's own row
 * and its quota charge keep synchronous commits: a 201 for a blob is durable.
 */
const RELAXED_COMMIT = `set_config('synchronous_commit', 'off', true)`;

const SESSION_COLUMNS = `id, project_id AS "projectId", repository_name AS "repositoryName", storage_key AS "storageKey",
  storage_state AS "storageState", size, version, first_chunk AS "firstChunk"`;

/**
 * A first chunk up to this size (with its Content-Length given) is kept in the session row rather
 * than in storage. A docker push sends most layers in one PATCH: its PUT then writes the blob once,
 * straight to its content address (no staging object created, sealed, renamed or copied on S3), and
 * the PATCH touches storage not at all. A second chunk moves it into the staging object first. Like
 * any of the session's bookkeeping it commits without a WAL flush: a database crash can lose it,
 * which the client sees as an upload that holds nothing (it starts again).
 */
export const FIRST_CHUNK_MAX_BYTES = 64 * 1024;

/**
 * Resumable blob uploads (POST, PATCH chunks, PUT with digest). The session row holds
 * everything another replica needs to continue: the storage adapter's appendable state and the
 * byte count. One request at a time appends, by a short lease taken with compare-and-set and
 * renewed while it works (UploadLease); the digest is always verified before the blob becomes
 * visible. A small first chunk needs no lease: it is kept in the row (FIRST_CHUNK_MAX_BYTES), and
 * the PUT that closes an upload holding only it claims the upload by removing the row. Each chunk is held to the project's storage quota as it arrives, and each principal
 * to UPLOAD_SESSIONS_PER_PRINCIPAL open sessions.
 */
@Injectable()
export class UploadSessions {
  private readonly hashes = new UploadHashCache();

  constructor(
    private readonly sql: SqlClient,
    @Inject(BLOB_DRIVER) private readonly driver: BlobDriver,
    private readonly blobs: BlobStore,
    private readonly config: AppConfig,
  ) {}

  /**
   * Opens a session for `principal` (its name: user or robot), unless it holds
   * UPLOAD_SESSIONS_PER_PRINCIPAL open ones already (TooManyRequestsError). Finished, cancelled
   * and purged sessions free their slot, and so do sessions idle past UPLOAD_PURGE_AGE_HOURS.
   */
  async start(projectId: number, repositoryName: string, principal: string): Promise<UploadSession> {
    const id = randomUUID();
    const limit = this.config.UPLOAD_SESSIONS_PER_PRINCIPAL;
    // before the statement: the principal's other starts wait for none of this storage work
    const staging = await this.driver.createAppendable(uploadStagingKey(id));
    // one statement (migration 1765310001000): one principal's starts take turns on an advisory
    // lock (every replica), so concurrent ones cannot all pass the count; then the row
    const rows = await this.sql.queryPrepared<{ admitted: boolean }>(
      `SELECT wharf_upload_session_start($1, $2, $3, $4, $5, $6, $7, $8, $9) AS admitted`,
      [id, projectId, repositoryName, staging.key, JSON.stringify(staging.state), principal, this.config.UPLOAD_PURGE_AGE_HOURS, limit, SESSION_SLOTS_LOCK],
    );
    if (!rows[0]?.admitted) {
      await this.driver.abort(staging).catch(() => undefined);
      throw new TooManyRequestsError(`too many open uploads: at most ${limit} per user or robot; finish or cancel some first`, { details: { limit } });
    }
    return { id, projectId, repositoryName, storageKey: staging.key, storageState: staging.state, size: 0, version: 0, firstChunk: null };
  }

  async get(repositoryName: string, id: string): Promise<UploadSession> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw unknownUpload(id);
    const rows = await this.sql.queryPrepared<UploadSession>(`SELECT ${SESSION_COLUMNS} FROM upload_session WHERE id = $1 AND repository_name = $2`, [id, repositoryName]);
    if (!rows[0]) throw unknownUpload(id);
    return rows[0];
  }

  /**
   * PATCH: appends one chunk; `range` (Content-Range) must start where the upload ends. A chunk
   * that would take the project past its storage quota is refused (403 DENIED) and ends the
   * upload, its staged bytes discarded: it could only grow further. `operator`: who sends it, for
   * the QUOTA_EXCEED event of a refusal.
   */
  async appendChunk(repositoryName: string, id: string, operator: string, body: Readable, range?: ChunkRange, contentLength?: number): Promise<UploadSession> {
    const context: QuotaContext = { repository: repositoryName, operator };
    let source = body;
    if (this.mayBeSmallFirstChunk(id, range, contentLength)) {
      const chunk = await readWhole(body, contentLength);
      const kept = await this.keepFirstChunk(repositoryName, id, chunk, context);
      if (kept) return kept;
      // the upload holds bytes already (or is busy): this chunk goes to storage like any other
      source = Readable.from([chunk]);
    }
    return this.withLease(repositoryName, id, async (session, lease) => {
      this.checkRange(session, range, contentLength);
      // the append's own update ends the lease: one commit fewer per chunk
      return this.append(session, lease, context, source, contentLength ?? (range ? range.end - range.start + 1 : undefined), true);
    });
  }

  /** PUT ?digest=: appends the optional last chunk, verifies the digest and publishes the blob. `operator`: who sends it. */
  async finish(
    repositoryName: string, id: string, operator: string, digestValue: string | undefined, body: Readable | undefined, range?: ChunkRange, contentLength?: number,
  ): Promise<BlobInfo> {
    const digest = parseDigest(digestValue);
    const context: QuotaContext = { repository: repositoryName, operator };
    const hasBody = body !== undefined && (contentLength ?? 1) > 0;
    if (!hasBody && !range) {
      // an upload whose one chunk is in its row: removing the row claims it (no lease, no later delete)
      const claimed = await this.claimWholeInRow(repositoryName, id);
      if (claimed) {
        body?.resume();
        return this.publishFirstChunk(claimed, digest, context);
      }
    }
    return this.withLease(repositoryName, id, async (leased, lease) => {
      let session = leased;
      if (!hasBody && !range && session.firstChunk) {
        // (another request held the row a moment ago, so it could not be claimed by removing it)
        body?.resume();
        await this.deleteRow(id);
        return this.publishFirstChunk(session, digest, context);
      }
      // the whole blob (possibly empty) in the PUT: verify while streaming straight to its content address
      if (session.size === 0 && !range) {
        const blob = await this.blobs.putVerified(session.projectId, digest.digest, body ?? Readable.from([]), context, contentLength ?? (hasBody ? undefined : 0));
        await this.discard(session);
        return blob;
      }
      // (every path below that succeeds removes the session row, so there is no lease to end)
      if (hasBody) {
        this.checkRange(session, range, contentLength);
        session = await this.append(session, lease, context, body, contentLength, false, digest.digest);
      } else if (body) {
        body.resume();
      }
      const staged = stagedPart(session);
      // appends keep a running sha256; other algorithms are computed from storage
      const hash = digest.algorithm === 'sha256' ? this.hashes.get(id, session.version, session.size) : undefined;
      await this.driver.seal(staged);
      const actual = hash ? `${digest.algorithm}:${hash.digest('hex')}` : await this.digestOfStored(session.storageKey, digest.algorithm);
      if (actual !== digest.digest) {
        await this.driver.delete(session.storageKey);
        await this.deleteRow(id);
        throw new InvalidError('digest', 'provided digest did not match uploaded content', { details: { expected: digest.digest, actual } });
      }
      const blob = await this.blobs.publishStaged(session.projectId, digest, session.storageKey, session.size, context);
      await this.deleteRow(id);
      return blob;
    });
  }

  /**
   * PATCH of a first chunk small enough for the row (FIRST_CHUNK_MAX_BYTES): one statement records
   * it, without a lease (nothing is written to storage that a concurrent writer could overwrite),
   * provided the upload holds nothing yet and no request holds it. Null when it does: the caller
   * appends the chunk to storage as any other. The chunk is held to the quota as one written to
   * storage is; a refusal ends the upload.
   */
  private async keepFirstChunk(repositoryName: string, id: string, chunk: Buffer, context: QuotaContext): Promise<UploadSession | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw unknownUpload(id);
    const rows = await this.sql.queryPrepared<UploadSession>(
      `WITH relaxed AS (SELECT ${RELAXED_COMMIT})
       UPDATE upload_session SET first_chunk = $3, size = $4, version = version + 1, update_time = now()
         FROM relaxed WHERE id = $1 AND repository_name = $2 AND size = 0 AND (busy_until IS NULL OR busy_until < now())
        RETURNING ${SESSION_COLUMNS}`,
      [id, repositoryName, chunk, chunk.length],
    );
    const session = rows[0];
    if (!session) return null;
    const quota = await this.blobs.quotaBudget(session.projectId, context);
    if (chunk.length > quota.bytes) {
      await this.discardById(id).catch(() => undefined);
      throw await quota.refuse(chunk.length);
    }
    this.hashes.set(id, session.version, session.size, newHash('sha256').update(chunk));
    return session;
  }

  /**
   * PUT without a body: removes the session row if all its bytes are in it (its first chunk), in
   * one statement that no concurrent request can also win. Null otherwise (bytes in storage, or
   * held by another request). A failure after it loses the upload, which the client starts again.
   */
  private async claimWholeInRow(repositoryName: string, id: string): Promise<UploadSession | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw unknownUpload(id);
    const rows = await this.sql.queryPrepared<UploadSession>(
      `WITH relaxed AS (SELECT ${RELAXED_COMMIT})
       DELETE FROM upload_session USING relaxed
        WHERE id = $1 AND repository_name = $2 AND first_chunk IS NOT NULL AND (busy_until IS NULL OR busy_until < now())
       RETURNING ${SESSION_COLUMNS}`,
      [id, repositoryName],
    );
    return rows[0] ?? null;
  }

  /**
   * The end of an upload that is one chunk kept in its row (already removed): verified, then
   * written once, at its content address. Its quota was checked when the chunk came; the charge
   * that links it is atomic and refuses a project that filled up since.
   */
  private async publishFirstChunk(session: UploadSession, digest: ParsedDigest, context: QuotaContext): Promise<BlobInfo> {
    this.hashes.delete(session.id);
    const chunk = session.firstChunk!;
    const actual = `${digest.algorithm}:${newHash(digest.algorithm).update(chunk).digest('hex')}`;
    if (actual !== digest.digest) {
      throw new InvalidError('digest', 'provided digest did not match uploaded content', { details: { expected: digest.digest, actual } });
    }
    return this.blobs.putSmallVerified(session.projectId, digest, chunk, context);
  }

  /** Whether a PATCH may be an upload's small first chunk (FIRST_CHUNK_MAX_BYTES), worth trying to keep in the row. */
  private mayBeSmallFirstChunk(id: string, range?: ChunkRange, contentLength?: number): boolean {
    if (contentLength === undefined || contentLength === 0 || contentLength > FIRST_CHUNK_MAX_BYTES) return false;
    if (range && (range.start !== 0 || range.end - range.start + 1 !== contentLength)) return false;
    // this process appended to it: it holds bytes already
    return !this.hashes.has(id);
  }

  async cancel(repositoryName: string, id: string): Promise<void> {
    const session = await this.get(repositoryName, id);
    await this.discard(session);
  }

  /** Abandoned sessions (worker): aborts their storage and removes the rows. Returns how many went. */
  async purgeOlderThan(hours: number, batchSize = 100): Promise<number> {
    let purged = 0;
    for (;;) {
      // claimed by compare-and-set with a lease that never ends: a request that resumes the
      // upload meanwhile either got its own lease first (the session stays) or finds it gone
      const stale = await this.sql.query<UploadSession>(
        `WITH picked AS (
           SELECT id AS picked_id FROM upload_session
            WHERE update_time < now() - make_interval(hours => $1) AND (busy_until IS NULL OR busy_until < now())
            ORDER BY update_time LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         UPDATE upload_session SET busy_until = 'infinity', lease_token = NULL FROM picked
          WHERE id = picked_id AND (busy_until IS NULL OR busy_until < now())
         RETURNING ${SESSION_COLUMNS}`,
        [hours, batchSize],
      );
      for (const session of stale) {
        try {
          await this.discard(session);
          purged += 1;
        } catch (error) {
          // left for the next purge
          await this.sql.query(`UPDATE upload_session SET busy_until = NULL WHERE id = $1 AND busy_until = 'infinity'`, [session.id]);
          throw error;
        }
      }
      if (stale.length < batchSize) return purged;
    }
  }

  /**
   * Storage leftovers (temp and staging files; S3 multipart uploads and appendable tails)
   * that no session holds and nothing wrote to since `before`: bytes a killed process or a
   * session removed without its storage left behind. Returns how many went.
   */
  async purgeLeftovers(before: Date): Promise<number> {
    // read before listing: a session that appears later has no leftover older than `before`
    const sessions = await this.sql.query<UploadSession & { busy: boolean }>(
      `SELECT ${SESSION_COLUMNS}, COALESCE(busy_until > now(), false) AS busy FROM upload_session`,
    );
    const held = new Set<string>();
    // an append in progress may have started storage its row does not name yet
    const busyKeys = new Set(sessions.filter((s) => s.busy).map((s) => s.storageKey));
    for (const session of sessions) {
      try {
        for (const id of this.driver.leftoversOf(stagedPart(session))) held.add(id);
      } catch {
        // a row from another storage driver's era names nothing here
      }
    }
    let removed = 0;
    for await (const leftover of this.driver.listLeftovers(before)) {
      if (held.has(leftover.id) || busyKeys.has(leftover.key)) continue;
      await this.driver.removeLeftover(leftover);
      removed += 1;
    }
    return removed;
  }

  /**
   * Runs `work` holding the session's lease, renewed meanwhile. When it fails the lease ends and
   * the session stays at its last good offset, so the client can resume at once; a refusal for
   * quota ends the upload instead (it could only grow), discarding what it staged.
   */
  private async withLease<T>(repositoryName: string, id: string, work: (session: UploadSession, lease: UploadLease) => Promise<T>): Promise<T> {
    const { session, lease } = await this.lease(repositoryName, id);
    lease.keepAlive();
    try {
      return await work(session, lease);
    } catch (error) {
      // what the failed request staged meanwhile is named by the row as it is now
      if (isQuotaExceeded(error)) await this.discardById(id).catch(() => undefined);
      await lease.release();
      throw error;
    } finally {
      lease.stop();
    }
  }

  /**
   * `endLease`: the same update also ends the request's lease (a PATCH is done when its bytes are
   * recorded). `digest`: the blob's, when known (the last chunk in the PUT), so a blob the
   * project already holds is not held to the quota.
   */
  private async append(
    session: UploadSession, lease: UploadLease, context: QuotaContext, body: Readable, expectedSize?: number, endLease = false, digest?: string,
  ): Promise<UploadSession> {
    const quota = await this.blobs.quotaBudget(session.projectId, context, digest);
    const room = quota.bytes - session.size;
    if (expectedSize !== undefined && expectedSize > room) throw await quota.refuse(session.size + expectedSize);
    // a first chunk kept in the row goes to storage ahead of this one (storage holds nothing yet)
    const first = session.firstChunk;
    // without the running hash (another replica appended last) the digest is computed at finish from storage
    const algorithmHash = this.hashes.get(session.id, session.version, session.size) ?? (first ? newHash('sha256').update(first) : undefined);
    const verifier = new VerifyingStream({
      algorithm: 'sha256',
      expectedSize,
      hash: algorithmHash ?? newHash('sha256'),
      budget: { bytes: room, exceeded: (bytes) => quota.refuse(session.size + bytes) },
    });
    pipeStreams(body, lease.fence(), verifier, () => undefined);
    const staged = stagedPart(session);
    const next = await this.driver.append(staged, first ? Readable.from(after(first, verifier)) : verifier).catch((error) => {
      throw clientAborted(verifier.errored ?? error);
    });
    const rows = await this.sql.queryPrepared<UploadSession>(
      `WITH relaxed AS (SELECT ${RELAXED_COMMIT})
       UPDATE upload_session SET size = $2, storage_state = $3, version = version + 1, update_time = now(), first_chunk = NULL,
              busy_until = CASE WHEN $5 THEN NULL ELSE busy_until END, lease_token = CASE WHEN $5 THEN NULL ELSE lease_token END
         FROM relaxed WHERE id = $1 AND version = $4 AND lease_token = $6 RETURNING ${SESSION_COLUMNS}`,
      [session.id, next.size, JSON.stringify(next.state), session.version, endLease, lease.token],
    );
    if (!rows[0]) throw new UploadPositionError('upload was modified concurrently');
    if (algorithmHash || session.size === 0) this.hashes.set(session.id, rows[0].version, rows[0].size, verifier.hash);
    return rows[0];
  }

  private checkRange(session: UploadSession, range?: ChunkRange, contentLength?: number): void {
    const position = { upload: { id: session.id, size: session.size } };
    if (range && (range.start !== session.size || range.end < range.start)) {
      throw new UploadPositionError(`chunk must start at byte ${session.size}`, position);
    }
    if (range && contentLength !== undefined && range.end - range.start + 1 !== contentLength) {
      throw new UploadPositionError('Content-Range and Content-Length disagree', position);
    }
  }

  // one request at a time per session, across replicas; a crashed holder's lease expires within UPLOAD_LEASE_SECONDS
  private async lease(repositoryName: string, id: string): Promise<{ session: UploadSession; lease: UploadLease }> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw unknownUpload(id);
    const lease = new UploadLease(this.sql, id);
    const rows = await this.sql.queryPrepared<UploadSession>(
      `WITH relaxed AS (SELECT ${RELAXED_COMMIT})
       UPDATE upload_session SET busy_until = now() + make_interval(secs => $3), lease_token = $4
         FROM relaxed WHERE id = $1 AND repository_name = $2 AND (busy_until IS NULL OR busy_until < now())
        RETURNING ${SESSION_COLUMNS}`,
      [id, repositoryName, UPLOAD_LEASE_SECONDS, lease.token],
    );
    if (rows[0]) return { session: rows[0], lease };
    // gone, or being purged (its lease never ends): the upload is over either way
    const current = await this.sql.query<{ size: number; purging: boolean }>(
      `SELECT size, busy_until = 'infinity' AS purging FROM upload_session WHERE id = $1 AND repository_name = $2`,
      [id, repositoryName],
    );
    if (!current[0] || current[0].purging) throw unknownUpload(id);
    throw new UploadPositionError('another request is writing to this upload', { upload: { size: current[0].size } });
  }

  private async discard(session: UploadSession): Promise<void> {
    await this.driver.abort(stagedPart(session));
    // a finish that sealed the staging object but failed before publishing it leaves it at the staging key
    await this.driver.delete(session.storageKey);
    await this.deleteRow(session.id);
  }

  /** Discards the session as its row stands; a failure leaves it to the purge. */
  private async discardById(id: string): Promise<void> {
    const rows = await this.sql.query<UploadSession>(`SELECT ${SESSION_COLUMNS} FROM upload_session WHERE id = $1`, [id]);
    if (rows[0]) await this.discard(rows[0]);
  }

  private async deleteRow(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.sql.queryPrepared(`WITH relaxed AS (SELECT ${RELAXED_COMMIT}) DELETE FROM upload_session USING relaxed WHERE id = $1`, [id]);
  }

  private async digestOfStored(key: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
    const hash = newHash(algorithm);
    await pipeline(await this.driver.read(key), new Writable({ write: (chunk: Buffer, _e, done) => (hash.update(chunk), done()) }));
    return `${algorithm}:${hash.digest('hex')}`;
  }
}

/** What the upload holds in storage: all its bytes but a first chunk kept in the row (then none). */
function stagedPart(session: UploadSession): AppendableObject {
  return { key: session.storageKey, size: session.size - (session.firstChunk?.length ?? 0), state: session.storageState };
}

/** `head`, then what `rest` passes on (its errors included). */
async function* after(head: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of rest) yield chunk as Buffer;
}

/** A small body of known length, whole; a body that breaks off or runs long or short fails as a streamed one does. */
async function readWhole(body: Readable, length: number | undefined): Promise<Buffer> {
  const verifier = new VerifyingStream({ algorithm: 'sha256', expectedSize: length });
  const chunks: Buffer[] = [];
  pipeStreams(body, verifier, () => undefined);
  try {
    for await (const chunk of verifier) chunks.push(chunk as Buffer);
  } catch (error) {
    throw clientAborted(verifier.errored ?? error);
  }
  return Buffer.concat(chunks, verifier.bytes);
}

function unknownUpload(id: string): NotFoundError {
  return new NotFoundError('upload', 'blob upload unknown to registry', { details: { uuid: id } });
}
