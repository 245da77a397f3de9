import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import { EventOrigins } from './event-origin';
import { EventType, projectOf, type NewEvent, type RegistryEvent } from './event-types';

/** An event to write, with the time it happened when that was before the write (buffered pulls). */
export type OutboxEntry = NewEvent & { occurredAt?: Date };

/**
 * The transactional outbox, the write side of the event stream. `write` goes inside the caller's
 * transaction, so the event exists once the change commits and never when it rolls back; the
 * stream (event-stream.ts) then gives it its place and hands it to every consumer.
 */
@Injectable()
export class EventOutbox {
  constructor(private readonly sql: SqlClient) {}

  async write(tx: SqlExecutor, events: readonly OutboxEntry[]): Promise<void> {
    if (events.length === 0) return;
    const rows = this.rows(events);
    await tx.query(
      `INSERT INTO event_outbox (event_type, project_name, payload, occurred_at)
       SELECT e.type, e.project, e.payload, COALESCE(e.at, now())
         FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::timestamptz[]) WITH ORDINALITY AS e(type, project, payload, at, n)
        ORDER BY e.n`,
      [rows.types, rows.projects, rows.payloads, rows.occurredAt],
    );
  }

  /**
   * The outbox columns of these events, as arrays, for a SQL function that writes them in its
   * own transaction (a manifest push's `wharf_manifest_push`): what `write` inserts.
   */
  rows(events: readonly OutboxEntry[]): OutboxColumns {
    const withOrigin = events.map(withRequestOrigin);
    return {
      types: withOrigin.map((e) => e.type),
      projects: withOrigin.map((e) => projectOf(e.data.repository)),
      payloads: withOrigin.map((e) => JSON.stringify(e.data)),
      occurredAt: withOrigin.map((e) => e.occurredAt?.toISOString() ?? null),
    };
  }

  /** Outside any transaction: for events about something that did not commit (a refused push over quota) or batched pulls. */
  async append(events: readonly OutboxEntry[]): Promise<void> {
    await this.write(this.sql, events);
  }

  /** One event by its outbox id (a delivery re-reads what it sends); null once pruned. */
  async find(id: number): Promise<RegistryEvent | null> {
    const rows = await this.sql.query<OutboxRow>(`SELECT id, event_type, payload, occurred_at FROM event_outbox WHERE id = $1`, [id]);
    return rows[0] ? eventOfRow(rows[0]) : null;
  }
}

/** `event_outbox` columns of a batch of events, one array each (see `EventOutbox.rows`). */
export interface OutboxColumns {
  types: string[];
  projects: string[];
  /** each the event's data as JSON */
  payloads: string[];
  occurredAt: (string | null)[];
}

/** An event_outbox row as the stream and `find` read it. */
export interface OutboxRow {
  id: number;
  event_type: EventType;
  payload: never;
  occurred_at: Date;
}

export function eventOfRow(row: OutboxRow): RegistryEvent {
  return { id: row.id, type: row.event_type, data: row.payload, occurredAt: row.occurred_at.toISOString() } as RegistryEvent;
}

/** An artifact event written while a request is served carries that request's origin (unless it names one itself). */
export function withRequestOrigin<E extends OutboxEntry>(event: E): E {
  const origin = EventOrigins.current();
  if (!origin || event.type === EventType.QuotaExceed || event.data.clientIp !== undefined || event.data.userAgent !== undefined) return event;
  const extra = { ...(origin.clientIp ? { clientIp: origin.clientIp } : {}), ...(origin.userAgent ? { userAgent: origin.userAgent } : {}) };
  return { ...event, data: { ...event.data, ...extra } };
}
