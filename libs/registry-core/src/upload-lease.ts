import type { SqlExecutor } from '@wharf/db';
import { UploadPositionError } from '@wharf/errors';
import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';

/**
 * How long a request holds an upload session without renewing: the longest an upload stays
 * blocked after the process writing to it dies (kill -9, a crash, a lost network).
 */
export const UPLOAD_LEASE_SECONDS = 15;
const RENEW_EVERY_MS = 3_000;
/** a holder stops writing this long before its lease could expire unrenewed, so two writers never overlap */
const FENCE_MARGIN_MS = 5_000;

/**
 * One request's hold on an upload session (`busy_until`, `lease_token` on its row): one writer
 * at a time across replicas. While the request works it renews the lease every few seconds.
 * Every renewal, and the request's final write, names the token, so a holder that lost its
 * lease can neither extend nor end another's; and a holder that could not renew in time (a
 * stalled process, an unanswering database) stops passing bytes on before the lease can expire,
 * so the next holder never writes while it still does.
 */
export class UploadLease {
  readonly token = randomUUID();
  /** when the last renewal that succeeded was sent (the lease runs from its execution, a little later) */
  private confirmedAt = performance.now();
  private lost = false;
  private timer?: NodeJS.Timeout;
  private readonly fences = new Set<Transform>();

  constructor(
    private readonly sql: SqlExecutor,
    readonly sessionId: string,
  ) {}

  /** Renews the lease until `stop` or `release`. */
  keepAlive(): void {
    this.timer = setInterval(() => void this.renew(), RENEW_EVERY_MS);
    this.timer.unref();
  }

  /** A pass-through for the bytes written under this lease: it fails once the lease is lost or could have expired. */
  fence(): Transform {
    const fence = new Transform({
      transform: (chunk: Buffer, _encoding, done) => done(this.valid() ? null : leaseLost(), chunk),
    });
    this.fences.add(fence);
    fence.once('close', () => this.fences.delete(fence));
    return fence;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Ends the lease if this request still holds it (a failed request: the upload stays where its last good chunk left it). */
  async release(): Promise<void> {
    this.stop();
    await this.sql.query(`UPDATE upload_session SET busy_until = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2`, [this.sessionId, this.token]);
  }

  private valid(): boolean {
    return !this.lost && performance.now() - this.confirmedAt < UPLOAD_LEASE_SECONDS * 1000 - FENCE_MARGIN_MS;
  }

  private async renew(): Promise<void> {
    const sentAt = performance.now();
    let renewed: boolean;
    try {
      const rows = await this.sql.query(`UPDATE upload_session SET busy_until = now() + make_interval(secs => $3) WHERE id = $1 AND lease_token = $2 RETURNING id`, [
        this.sessionId,
        this.token,
        UPLOAD_LEASE_SECONDS,
      ]);
      renewed = rows.length > 0;
    } catch {
      // no answer this time: the next renewal tries again; the fence stops the writer if none gets through in time
      return;
    }
    if (renewed) {
      this.confirmedAt = Math.max(this.confirmedAt, sentAt);
      return;
    }
    // taken over after an expiry, or the session is gone (cancelled, purged)
    this.lost = true;
    this.stop();
    for (const fence of this.fences) fence.destroy(leaseLost());
  }
}

function leaseLost(): UploadPositionError {
  return new UploadPositionError('this request lost its hold on the upload; check its status and resume');
}
