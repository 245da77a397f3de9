import { Injectable } from '@nestjs/common';
import { SqlClient, type SqlExecutor } from '@wharf/db';
import type { AfterCommit } from './event-consumer.decorator';
import { eventOfRow, type OutboxRow } from './event-outbox';
import type { EventType, RegistryEvent } from './event-types';

/** One consumer's place in the stream, for health and metrics. */
export interface ConsumerLag {
  name: string;
  /** the position of the last event it has passed */
  position: number;
  /** events written (committed) that it has not passed yet */
  behind: number;
  /** how long the oldest of those has waited, in seconds; 0 when it is caught up */
  oldestAgeSeconds: number;
}

/** What one batch of a consumer did. */
export interface ConsumedBatch {
  /** false when another worker holds this consumer's cursor: it is that worker's batch */
  claimed: boolean;
  /** events its cursor moved past (handed over or not of its types) */
  passed: number;
  /** events of its types handed to it */
  handled: number;
}

type EventRow = OutboxRow & { position: number };

/**
 * The outbox read as an ordered log by named consumers, each with its own cursor.
 *
 * Why a sequencer: outbox ids come from a sequence when the row is inserted, but transactions
 * commit in any order, so id 7 can become visible after id 8 was read; a cursor "id > last"
 * would skip it for good. Here every committed row gets its `position` from one sequencer step
 * at a time (the row lock on `event_stream_head`, taken with SKIP LOCKED so a busy sequencer is
 * simply left to finish): the step sees only committed rows, numbers them after the head and
 * moves the head in the same transaction. A row that commits late is found by a later step and
 * numbered after everything numbered before it, so positions grow in the order rows become
 * readable, without gaps, and "position > cursor" never skips one. (The alternative, keeping
 * each row's xid and reading only below the snapshot's xmin, stalls every consumer behind any
 * long write transaction in the whole cluster; a sequencer step costs one small UPDATE per event.)
 *
 * A consumer's batch is claimed by locking its cursor row (FOR UPDATE SKIP LOCKED), so with any
 * number of workers one runs it at a time; the handler runs in that transaction and the cursor
 * moves at its commit. A worker killed mid-batch leaves nothing: its transaction rolls back and
 * the next claim reads the same events.
 */
@Injectable()
export class EventStream {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Numbers up to `limit` committed, unnumbered events. Returns how many, or null when another
   * worker is sequencing (`wait` makes it wait for that one instead).
   */
  async sequence(limit: number, wait = false): Promise<number | null> {
    return this.sql.transaction(async (tx) => {
      const head = await tx.query<{ position: number }>(`SELECT position FROM event_stream_head ${wait ? 'FOR UPDATE' : 'FOR UPDATE SKIP LOCKED'}`);
      if (!head[0]) return null;
      // read committed: this statement sees every row committed before it, the previous step's numbers included
      const numbered = await tx.query<{ position: number }>(
        `UPDATE event_outbox e SET position = n.position
           FROM (SELECT id, $1::bigint + row_number() OVER (ORDER BY id) AS position
                   FROM (SELECT id FROM event_outbox WHERE position IS NULL ORDER BY id LIMIT $2) pending) n
          WHERE e.id = n.id
         RETURNING e.position`,
        [head[0].position, limit],
      );
      if (numbered.length > 0) await tx.query(`UPDATE event_stream_head SET position = position + $1`, [numbered.length]);
      return numbered.length;
    });
  }

  /** Numbers everything committed so far (waiting for a sequencer at work when `wait`). */
  async sequenceAll(batch: number, wait = false): Promise<void> {
    for (;;) {
      const count = await this.sequence(batch, wait);
      if (count === null || count < batch) return;
    }
  }

  /**
   * Gives each consumer without a cursor one at the head: a consumer added later starts from
   * now. Everything committed before the call is numbered first, so "now" leaves none of it
   * unread by the consumers that were there and unseen by the new one.
   */
  async register(names: readonly string[], batch: number): Promise<string[]> {
    const known = await this.sql.query<{ name: string }>(`SELECT name FROM event_consumer WHERE name = ANY($1::varchar[])`, [names]);
    const missing = names.filter((name) => !known.some((k) => k.name === name));
    if (missing.length === 0) return [];
    await this.sequenceAll(batch, true);
    const added = await this.sql.query<{ name: string }>(
      `INSERT INTO event_consumer (name, position) SELECT n, h.position FROM unnest($1::varchar[]) AS n, event_stream_head h
       ON CONFLICT (name) DO NOTHING RETURNING name`,
      [missing],
    );
    return added.map((row) => row.name);
  }

  /**
   * One batch of consumer `name`: claims its cursor, reads the next `limit` numbered events,
   * hands the ones of its `types` to `handle` in the same transaction and moves the cursor past
   * all of them. After the commit, runs what `handle` returned.
   */
  async consume(
    name: string,
    types: readonly EventType[],
    limit: number,
    handle: (tx: SqlExecutor, events: RegistryEvent[]) => Promise<AfterCommit | void>,
  ): Promise<ConsumedBatch> {
    const { batch, afterCommit } = await this.sql.transaction(async (tx): Promise<{ batch: ConsumedBatch; afterCommit?: AfterCommit | void }> => {
      const cursor = await tx.query<{ position: number }>(`SELECT position FROM event_consumer WHERE name = $1 FOR UPDATE SKIP LOCKED`, [name]);
      if (!cursor[0]) return { batch: { claimed: false, passed: 0, handled: 0 } };
      const rows = await tx.query<EventRow>(
        `SELECT id, position, event_type, payload, occurred_at FROM event_outbox WHERE position > $1 ORDER BY position LIMIT $2`,
        [cursor[0].position, limit],
      );
      if (rows.length === 0) return { batch: { claimed: true, passed: 0, handled: 0 } };
      const wanted = rows.filter((row) => types.includes(row.event_type)).map(eventOfRow);
      const after = wanted.length > 0 ? await handle(tx, wanted) : undefined;
      await tx.query(`UPDATE event_consumer SET position = $2, updated_at = now() WHERE name = $1`, [name, rows[rows.length - 1].position]);
      return { batch: { claimed: true, passed: rows.length, handled: wanted.length }, afterCommit: after };
    });
    if (afterCommit) await afterCommit();
    return batch;
  }

  /** Every consumer's lag behind the head (numbered or not yet), by name. */
  async lag(): Promise<ConsumerLag[]> {
    const rows = await this.sql.query<{ name: string; position: number; behind: number; oldest: number | null }>(
      `WITH unsequenced AS (SELECT count(*) AS n, min(occurred_at) AS oldest FROM event_outbox WHERE position IS NULL)
       SELECT c.name, c.position, (h.position - c.position) + u.n AS behind,
              EXTRACT(EPOCH FROM now() - COALESCE((SELECT e.occurred_at FROM event_outbox e WHERE e.position = c.position + 1), u.oldest))::float8 AS oldest
         FROM event_consumer c CROSS JOIN event_stream_head h CROSS JOIN unsequenced u
        ORDER BY c.name`,
    );
    return rows.map((row) => ({ name: row.name, position: row.position, behind: row.behind, oldestAgeSeconds: Math.max(0, Math.round(row.oldest ?? 0)) }));
  }

  /**
   * Drops events every consumer has passed that are older than `hours` (a webhook delivery
   * being retried re-reads its event by id). A cursor that no longer moves (a consumer taken out
   * of the code) holds everything after it: retire a consumer by deleting its row.
   */
  async prune(hours: number): Promise<number> {
    const rows = await this.sql.query(
      `DELETE FROM event_outbox
        WHERE position <= (SELECT min(position) FROM event_consumer)
          AND occurred_at < now() - make_interval(hours => $1)
       RETURNING id`,
      [hours],
    );
    return rows.length;
  }
}
