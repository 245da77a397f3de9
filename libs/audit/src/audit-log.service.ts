import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { cleanAuditEntry } from './audit-entry-cleaning';
import { AuditLogRepository } from './audit-log.repository';
import type { AuditEntry, AuditLogFilter, AuditLogRecord, PendingAuditEntry } from './audit-log.types';

/** Write at least this often while entries wait... */
export const AUDIT_FLUSH_INTERVAL_MS = 1_000;
/** ...or as soon as this many wait; also the most rows one INSERT carries. */
export const AUDIT_BATCH_SIZE = 500;
/** Beyond this many waiting entries (the database is down or slow), new ones are dropped and counted. */
export const AUDIT_MAX_BUFFERED = 10_000;
/** A failed batch is tried once more after this pause, then given up. */
export const AUDIT_RETRY_DELAY_MS = 250;

/**
 * The audit log: who did what, when and from where. `record` never blocks or fails the request
 * it describes: entries wait in memory and are written in batches (every second, at 500
 * entries, and when the application shuts down). The price is bounded: a batch the database
 * refuses twice is dropped, and so is anything beyond 10,000 waiting entries; both are logged
 * with the number of entries lost, never with their content. That price is why changes are no
 * longer audited here: their entries go through AuditTrail, in the change's own transaction.
 * Reading the log (`list`) stays here.
 */
@Injectable()
export class AuditLogService implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(AuditLogService.name);
  private buffer: PendingAuditEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** the drain running now and any flush queued behind it */
  private flushing: Promise<void> | null = null;
  /** set once shutdown began: from then on every entry is written at once */
  private closing = false;
  /** refused because the buffer was full, not yet reported */
  private overflowSinceReport = 0;
  private lostTotal = 0;

  constructor(private readonly repository: AuditLogRepository) {}

  /** Entries lost since start (buffer full, or a batch the database refused twice). */
  get lostEntries(): number {
    return this.lostTotal;
  }

  /**
   * @deprecated An entry recorded here can be lost although its change committed (a crash, a
   * full buffer, a batch refused twice). Write it with AuditTrail.write in the change's
   * transaction instead. Left only for the callers not moved yet (the artifact actions of /v2 and
   * of the management API, which are to be audited from the event stream, and repository update
   * and delete, whose transaction is RepositoryService's); remove it once they are gone.
   */
  record(entry: AuditEntry): void {
    try {
      if (this.buffer.length >= AUDIT_MAX_BUFFERED) {
        this.overflowSinceReport += 1;
        this.lostTotal += 1;
        this.schedule();
        return;
      }
      this.buffer.push(cleanAuditEntry(entry));
      if (this.closing || this.buffer.length === AUDIT_BATCH_SIZE) void this.flush();
      else this.schedule();
    } catch (error) {
      // a malformed entry must not fail the request it describes
      this.lostTotal += 1;
      this.logger.warn(`audit entry not recorded: ${(error as Error).message}`);
    }
  }

  /**
   * Writes every entry recorded before the call; resolves when they are written (or given up,
   * which is logged). Never rejects.
   */
  flush(): Promise<void> {
    this.cancelTimer();
    // one drain at a time: a flush asked for during one runs after it
    const next = (this.flushing ?? Promise.resolve()).then(() => this.drain());
    this.flushing = next;
    void next.then(() => {
      if (this.flushing === next) this.flushing = null;
    });
    return next;
  }

  async list(filter: AuditLogFilter): Promise<{ items: AuditLogRecord[]; total: number }> {
    return this.repository.list(filter);
  }

  /** Modules are destroyed before the database pool closes (at application shutdown): write the rest now. */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.flush();
  }

  /** Requests still finishing while the HTTP server closes record too; they are written at once (closing). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** The last chance: normally nothing is left, as `closing` writes entries as they come. */
  async onApplicationShutdown(): Promise<void> {
    if (this.buffer.length > 0 || this.flushing) await this.flush();
  }

  private schedule(): void {
    if (this.timer || this.closing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, AUDIT_FLUSH_INTERVAL_MS);
    // waiting entries do not keep a process alive; shutdown hooks write them
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, AUDIT_BATCH_SIZE);
      await this.write(batch);
    }
    if (this.overflowSinceReport > 0) {
      this.logger.warn({ lost: this.overflowSinceReport, lostTotal: this.lostTotal }, `audit log buffer was full (${AUDIT_MAX_BUFFERED} entries): ${this.overflowSinceReport} entries dropped`);
      this.overflowSinceReport = 0;
    }
  }

  private async write(batch: PendingAuditEntry[]): Promise<void> {
    try {
      await this.repository.insert(batch);
      return;
    } catch (error) {
      this.logger.warn({ err: describe(error), entries: batch.length }, `audit log write failed, retrying once: ${describe(error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, AUDIT_RETRY_DELAY_MS));
    try {
      await this.repository.insert(batch);
    } catch (error) {
      this.lostTotal += batch.length;
      this.logger.error({ err: describe(error), lost: batch.length, lostTotal: this.lostTotal }, `audit log write failed again: ${batch.length} entries lost`);
    }
  }
}

/** Only the message and code: a driver error can carry row values in its detail. */
function describe(error: unknown): { message: string; code?: string } {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return { message: typeof message === 'string' ? message : String(error), ...(typeof code === 'string' ? { code } : {}) };
}
