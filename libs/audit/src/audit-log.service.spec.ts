import { Logger } from '@nestjs/common';
import type { AuditLogRepository } from './audit-log.repository';
import { AUDIT_BATCH_SIZE, AUDIT_FLUSH_INTERVAL_MS, AUDIT_MAX_BUFFERED, AUDIT_RETRY_DELAY_MS, AuditLogService } from './audit-log.service';
import type { AuditEntry, PendingAuditEntry } from './audit-log.types';

/** A repository whose INSERTs the test sees, fails or holds back. */
class FakeRepository {
  readonly batches: PendingAuditEntry[][] = [];
  failures = 0;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  async insert(entries: readonly PendingAuditEntry[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('connection terminated'), { code: '57P01', detail: 'Failing row contains (secret-ish)' });
    }
    this.batches.push([...entries]);
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.gate = null;
    this.openGate?.();
  }

  get written(): PendingAuditEntry[] {
    return this.batches.flat();
  }
}

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  projectId: 1,
  operation: 'pull',
  resourceType: 'artifact',
  resource: `library/app:${n}`,
  username: 'admin',
  ...extra,
});

describe('AuditLogService (buffering)', () => {
  let repository: FakeRepository;
  let audit: AuditLogService;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    repository = new FakeRepository();
    audit = new AuditLogService(repository as unknown as AuditLogRepository);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('writes nothing during the request, then everything in one batch within the flush interval, in order', async () => {
    for (let i = 0; i < 3; i += 1) audit.record(entry(i));
    await jest.advanceTimersByTimeAsync(AUDIT_FLUSH_INTERVAL_MS - 1);
    expect(repository.batches).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(repository.batches).toHaveLength(1);
    expect(repository.written.map((e) => e.resource)).toEqual(['library/app:0', 'library/app:1', 'library/app:2']);
    expect(repository.written[0].opTime).toBeInstanceOf(Date);
  });

  it(`writes at once when ${AUDIT_BATCH_SIZE} entries wait, without waiting for the timer`, async () => {
    for (let i = 0; i < AUDIT_BATCH_SIZE; i += 1) audit.record(entry(i));
    await jest.advanceTimersByTimeAsync(0);
    expect(repository.batches.map((b) => b.length)).toEqual([AUDIT_BATCH_SIZE]);
  });

  it('flush() writes everything recorded before it, in batches of at most the batch size', async () => {
    for (let i = 0; i < 1200; i += 1) audit.record(entry(i));
    await audit.flush();
    expect(repository.batches.map((b) => b.length)).toEqual([500, 500, 200]);
    expect(repository.written.map((e) => e.resource)).toEqual(Array.from({ length: 1200 }, (_, i) => `library/app:${i}`));
  });

  it('retries a failed write once; nothing is lost when the retry works', async () => {
    repository.failures = 1;
    audit.record(entry(1));
    const flushed = audit.flush();
    await jest.advanceTimersByTimeAsync(AUDIT_RETRY_DELAY_MS);
    await flushed;
    expect(repository.written).toHaveLength(1);
    expect(audit.lostEntries).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(error).not.toHaveBeenCalled();
  });

  it('drops a batch refused twice, counting and logging the loss without the entries or driver details', async () => {
    repository.failures = 2;
    audit.record(entry(1, { username: 'alice', resource: 'private/thing:v1' }));
    audit.record(entry(2));
    const flushed = audit.flush();
    await jest.advanceTimersByTimeAsync(AUDIT_RETRY_DELAY_MS);
    await flushed;
    expect(repository.written).toHaveLength(0);
    expect(audit.lostEntries).toBe(2);
    expect(error).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify([warn.mock.calls, error.mock.calls]);
    expect(logged).toContain('2 entries lost');
    expect(logged).not.toContain('alice');
    expect(logged).not.toContain('private/thing');
    expect(logged).not.toContain('Failing row');
    // the service keeps working afterwards
    audit.record(entry(3));
    await audit.flush();
    expect(repository.written.map((e) => e.resource)).toEqual(['library/app:3']);
  });

  it(`never holds more than ${AUDIT_MAX_BUFFERED} entries: beyond that they are dropped and counted`, async () => {
    repository.hold();
    // the first batch is taken out for writing and hangs (the database is slow); then the buffer fills up
    for (let i = 0; i < AUDIT_BATCH_SIZE; i += 1) audit.record(entry(i));
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 0; i < AUDIT_MAX_BUFFERED + 7; i += 1) audit.record(entry(i));
    expect(audit.lostEntries).toBe(7);
    repository.release();
    await audit.flush();
    expect(repository.written).toHaveLength(AUDIT_BATCH_SIZE + AUDIT_MAX_BUFFERED);
    expect(JSON.stringify(warn.mock.calls)).toContain('7 entries dropped');
  });

  it('writes the rest on module destroy, and from then on writes entries as they come', async () => {
    audit.record(entry(1));
    await audit.onModuleDestroy();
    expect(repository.written).toHaveLength(1);
    audit.record(entry(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(repository.written).toHaveLength(2);
    await audit.onApplicationShutdown();
    expect(repository.written).toHaveLength(2);
  });

  it('cuts values to their column sizes and removes NUL, so one odd entry cannot fail a batch', async () => {
    audit.record(entry(1, { resource: 'r'.repeat(5000), userAgent: `agent\u0000${'a'.repeat(600)}`, clientIp: '10.0.0.1', projectId: null, projectName: 'library' }));
    await audit.flush();
    const [written] = repository.written;
    expect(written.resource).toHaveLength(1024);
    expect(written.userAgent).toHaveLength(512);
    expect(written.userAgent).not.toContain('\u0000');
    expect(written).toMatchObject({ clientIp: '10.0.0.1', projectId: null, projectName: 'library' });
  });

  it('never throws at the caller, whatever it is given', () => {
    expect(() => audit.record(null as unknown as AuditEntry)).not.toThrow();
    expect(audit.lostEntries).toBe(1);
  });
});
