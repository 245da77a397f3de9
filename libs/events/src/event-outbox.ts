import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { EventType, projectOf, type NewEvent, type RegistryEvent } from './event-types';

/**
 * The transactional outbox. `write` goes inside the caller's transaction, so the event is
 * published once the change commits and never when it rolls back; the worker's relay claims
 * unpublished rows with SKIP LOCKED (any number of workers), hands them on and marks them.
 */
@Injectable()
export class EventOutbox {
  constructor(private readonly sql: SqlClient) {}

  async write(tx: SqlExecutor, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.query(
      `INSERT INTO event_outbox (event_type, project_name, payload) SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[])`,
      [events.map((e) => e.type), events.map((e) => projectOf(e.data.repository)), events.map((e) => JSON.stringify(e.data))],
    );
  }

  /** Outside any transaction: for events about something that did not commit (a refused push over quota) or batched pulls. */
  async append(events: readonly NewEvent[]): Promise<void> {
    await this.write(this.sql, events);
  }

  /**
   * Claims up to `limit` unpublished events (oldest first), runs `publish` on them inside the
   * transaction (it writes what they cause there) and marks them published: when `publish`
   * throws, they stay for the next run. Returns how many were published and what `publish`
   * returned, for work that must wait for the commit (queueing jobs that read those rows).
   */
  async relay<T>(limit: number, publish: (tx: SqlExecutor, events: RegistryEvent[]) => Promise<T>): Promise<{ count: number; result?: T }> {
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; event_type: EventType; payload: never; occurred_at: Date }>(
        `SELECT id, event_type, payload, occurred_at FROM event_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return { count: 0 };
      const result = await publish(tx, rows.map((r) => ({ id: Number(r.id), type: r.event_type, data: r.payload, occurredAt: r.occurred_at.toISOString() }) as RegistryEvent));
      await tx.query(`UPDATE event_outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return { count: rows.length, result };
    });
  }

  /** One event by its outbox id (a delivery re-reads what it sends); null once pruned. */
  async find(id: number): Promise<RegistryEvent | null> {
    const rows = await this.sql.query<{ id: string; event_type: EventType; payload: never; occurred_at: Date }>(
      `SELECT id, event_type, payload, occurred_at FROM event_outbox WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row ? ({ id: Number(row.id), type: row.event_type, data: row.payload, occurredAt: row.occurred_at.toISOString() } as RegistryEvent) : null;
  }

  /** Drops published events older than `hours` (the outbox is a channel, not an archive). */
  async prune(hours: number): Promise<number> {
    const rows = await this.sql.query(`DELETE FROM event_outbox WHERE published_at < now() - make_interval(hours => $1) RETURNING id`, [hours]);
    return rows.length;
  }
}
