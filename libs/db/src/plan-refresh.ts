import type { Pool, PoolClient } from 'pg';

/** When the pool's connections make their cached plans again. */
export interface PlanRefreshPolicy {
  /** how often the tables' row counts are read (one query, at most this often, on a connection leaving the pool) */
  checkEveryMs: number;
  /** a table holding this many times the rows it held at the last refresh makes every connection plan again */
  growthFactor: number;
  /** row counts below this count as this: a table of 10 rows growing to 30 changes no plan worth a refresh */
  minRows: number;
  /** connections plan again at least this often, whatever the counts say (they stay 0 with `track_counts` off) */
  maxIntervalMs: number;
}

/** What a connection is sent when its plans are due. */
export const PLAN_REFRESH_STATEMENT = 'DISCARD PLANS';

/**
 * The row counts the refresh follows: the statistics system's live-row counters (kept by every
 * insert and delete, read from shared memory without touching the tables or locking them).
 */
export const TABLE_ROWS_STATEMENT = `SELECT relid::text AS id, n_live_tup AS rows FROM pg_stat_user_tables WHERE schemaname = ANY (current_schemas(false))`;

/** The statements the pool sends on its own (tests that count a request's statements leave them out). */
export const PLAN_REFRESH_STATEMENTS: readonly string[] = [PLAN_REFRESH_STATEMENT, TABLE_ROWS_STATEMENT];

export const DEFAULT_PLAN_REFRESH: PlanRefreshPolicy = { checkEveryMs: 1_000, growthFactor: 2, minRows: 500, maxIntervalMs: 10 * 60_000 };

const followed = new WeakSet<Pool>();

/**
 * Makes every pooled connection drop its cached plans (`DISCARD PLANS`) whenever a table has
 * doubled since the last time, so each prepared statement and PL/pgSQL function (the push's) is
 * planned again for the tables as they are now. Why: Postgres keeps a statement's generic plan for
 * the connection's life unless the table's statistics change, and it picks that plan after a few
 * executions, on a new registry while the tables hold a handful of rows: a sequential scan, right
 * for ten rows, that a connection then runs on every push as the tables grow (measured: a manifest
 * push scanned every row of `project_blob` and `blob`, and pushes slowed to half speed within
 * 20 s). ANALYZE replaces such plans, but only autovacuum runs it, and not every Postgres runs
 * autovacuum (this machine's does not). Without new statistics the one input of a plan that
 * changes is the table's size, so a refresh follows the sizes: a plan is never made for a table
 * less than half the size it has, and a registry growing from nothing to a million rows plans
 * again about a dozen times. The prepared statements themselves stay: only their plans are made
 * again.
 *
 * Both the count and the refresh are sent on a connection the pool is about to hand over, before
 * the caller gets it (pg runs one statement at a time on a connection and deprecates queueing a
 * second behind it): the count once a second on one connection, the refresh once on each
 * connection after a table doubled (and at least every 10 minutes). Neither's failure is the
 * caller's: a connection that broke fails the caller's own statement.
 */
export function refreshPlansAsTablesGrow(pool: Pool, policy: PlanRefreshPolicy = DEFAULT_PLAN_REFRESH, now: () => number = Date.now): void {
  if (followed.has(pool)) return;
  followed.add(pool);
  const sizes = new TableGrowth(policy);
  /** bumped when plans are due: a connection that saw an older one plans again */
  let generation = 0;
  let refreshedAt = now();
  let checkedAt = -Infinity;
  const seen = new WeakMap<PoolClient, number>();

  const refreshAll = () => {
    generation += 1;
    refreshedAt = now();
  };

  /** What this connection must send before it is handed over, if anything. */
  const dueOn = (client: PoolClient): { refresh: boolean; count: boolean } | undefined => {
    const at = now();
    if (at - refreshedAt >= policy.maxIntervalMs) {
      refreshAll();
      sizes.measureAgain();
    }
    const seenGeneration = seen.get(client);
    if (seenGeneration !== generation) seen.set(client, generation);
    // first seen: opened, or opened before this was set up; its plans are made from here on
    const refresh = seenGeneration !== undefined && seenGeneration < generation;
    // one connection a second counts (a slow count overlapping the next one is harmless)
    const count = at - checkedAt >= policy.checkEveryMs;
    if (count) checkedAt = at;
    return refresh || count ? { refresh, count } : undefined;
  };

  const send = async (client: PoolClient, due: { refresh: boolean; count: boolean }): Promise<void> => {
    try {
      if (due.refresh) await client.query(PLAN_REFRESH_STATEMENT);
      if (due.count) {
        const { rows } = await client.query<{ id: string; rows: string }>(TABLE_ROWS_STATEMENT);
        if (sizes.grewEnough(rows.map((row) => [row.id, Number(row.rows)]))) refreshAll();
      }
    } catch {
      // the connection broke: the caller's own statement reports it
    }
  };

  // pg-pool's own pool.query() and TypeORM both take connections through pool.connect (with a callback)
  const connect = pool.connect.bind(pool) as (callback: ConnectCallback) => void;
  const connectReady = (callback: ConnectCallback): void =>
    connect((error, client, release) => {
      const due = error || !client ? undefined : dueOn(client);
      if (!due) return callback(error, client, release);
      void send(client!, due).then(() => callback(undefined, client, release));
    });
  pool.connect = ((callback?: ConnectCallback) => {
    if (callback) return connectReady(callback);
    return new Promise<PoolClient>((resolve, reject) => connectReady((error, client) => (error ? reject(error) : resolve(client!))));
  }) as Pool['connect'];
}

type ConnectCallback = (error: Error | undefined, client: PoolClient | undefined, release: (error?: Error | boolean) => void) => void;

/** Each table's rows at the last refresh, and whether one has since grown `growthFactor` times. */
class TableGrowth {
  private atRefresh?: Map<string, number>;

  constructor(private readonly policy: PlanRefreshPolicy) {}

  /** The next counts are those of the last refresh (one made without reading them). */
  measureAgain(): void {
    this.atRefresh = undefined;
  }

  /** Whether plans are due for these counts; if so, they become the counts the next growth is measured from. */
  grewEnough(counts: [table: string, rows: number][]): boolean {
    const current = new Map(counts.map(([table, rows]) => [table, Math.max(rows, this.policy.minRows)]));
    // the first counts (or the first since a refresh on time): the connections' plans were made about now
    if (!this.atRefresh) {
      this.atRefresh = current;
      return false;
    }
    const before = this.atRefresh;
    const grew = [...current].some(([table, rows]) => rows >= (before.get(table) ?? this.policy.minRows) * this.policy.growthFactor);
    if (grew) this.atRefresh = current;
    return grew;
  }
}
