import type { Pool, PoolClient } from 'pg';

/** When a connection's cached plans are made again: `firstMs` after the connection's first use, then at doubling intervals up to `maxMs`. */
export interface PlanRefreshSchedule {
  firstMs: number;
  maxMs: number;
}

/** What a connection is sent when its plans are due (tests that count a request's statements leave it out). */
export const PLAN_REFRESH_STATEMENT = 'DISCARD PLANS';

export const DEFAULT_PLAN_REFRESH: PlanRefreshSchedule = { firstMs: 1_000, maxMs: 10 * 60_000 };

interface RefreshState {
  dueAt: number;
  intervalMs: number;
}

const scheduled = new WeakSet<Pool>();

/**
 * Makes every pooled connection drop its cached plans (`DISCARD PLANS`) now and then, so each
 * prepared statement and PL/pgSQL function (the push's) is planned again for the tables as they
 * are now. Why: Postgres keeps a statement's generic plan for the connection's life unless the
 * table's statistics change, and it picks that plan after a few executions, on a new registry
 * while the tables hold a handful of rows: a sequential scan, right for ten rows, that a
 * connection then runs on every push as the tables grow (measured: a manifest push scanned every
 * row of `project_blob` and `blob`, and pushes slowed to half speed within 20 s). ANALYZE replaces
 * such plans, but only autovacuum runs it, and not every Postgres runs autovacuum (this machine's
 * does not). The prepared statements themselves stay: only their plans are made again.
 *
 * The refresh is queued on the connection as it leaves the pool, ahead of the caller's own
 * statements (pg runs a connection's queries in order), so it costs no wait of its own: one
 * round trip, 1 s after the connection's first use, then 2, 4, 8 ... s after the last one, at
 * most every 10 minutes.
 */
export function refreshPlansAsTablesGrow(pool: Pool, schedule: PlanRefreshSchedule = DEFAULT_PLAN_REFRESH, now: () => number = Date.now): void {
  if (scheduled.has(pool)) return;
  scheduled.add(pool);
  const states = new WeakMap<PoolClient, RefreshState>();
  pool.on('acquire', (client) => {
    const state = states.get(client);
    // first seen (opened, or opened before this was set up): its plans are made from here on
    if (!state) return void states.set(client, { dueAt: now() + schedule.firstMs, intervalMs: schedule.firstMs });
    if (now() < state.dueAt) return;
    state.intervalMs = Math.min(state.intervalMs * 2, schedule.maxMs);
    state.dueAt = now() + state.intervalMs;
    // a failure here means the connection broke: the caller's own statement reports it
    client.query(PLAN_REFRESH_STATEMENT).catch(() => undefined);
  });
}
