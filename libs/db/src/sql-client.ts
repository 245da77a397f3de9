import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { refreshPlansAsTablesGrow } from './plan-refresh';

export interface SqlExecutor {
  query<T extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<T[]>;
}

/** A transaction from `SqlClient.transaction`: its statements, and work to do once it has rolled back. */
export interface SqlTransaction extends SqlExecutor {
  /**
   * Runs `work` after the transaction rolls back (never when it commits), on the pool, once the
   * transaction's connection is free and before `transaction()` rejects: how a refusal records a
   * fact its own rollback would erase (a push over quota). `work` handles its own failures.
   */
  afterRollback(work: () => Promise<void>): void;
}

/**
 * Plain parameterised SQL on TypeORM's own pg pool, for the registry's hot paths and for the
 * compare-and-set updates GC safety relies on (TypeORM's query() changes its result shape for
 * UPDATE/DELETE, and its entity layer costs more than these one-line queries are worth).
 * A bigint comes back as a number, checked against 2^53 (the pool's parser, `pg-type-parsers`),
 * so row types declare bigint columns as `number`; `numeric` (a `sum()`) stays text.
 */
@Injectable()
export class SqlClient implements SqlExecutor {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    refreshPlansAsTablesGrow(this.pool);
  }

  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /** How the pool is used right now (for metrics): connections open, idle ones, callers waiting for one. */
  poolUse(): { total: number; idle: number; waiting: number } {
    const pool = this.pool;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }

  async query<T extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<T[]> {
    const result = await this.pool.query<T>(text, params);
    return result.rows;
  }

  /**
   * `query` for a hot path's fixed statement (a push's, a pull's): prepared once on each pooled
   * connection, then only bound and executed, so Postgres does not parse and plan it again each
   * time (a third of a manifest push's early read). Only for texts from a fixed set: each distinct
   * text stays prepared on every connection for the connection's life. (A connection pooler in
   * front of Postgres must then keep prepared statements: pgbouncer's max_prepared_statements.)
   */
  async queryPrepared<T extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<T[]> {
    const result = await this.pool.query<T>({ name: statementName(text), text, values: params });
    return result.rows;
  }

  /**
   * Runs `work` on one dedicated connection outside any transaction: for session state such as
   * an advisory lock that must last a whole job (a transaction that long would hold back vacuum).
   */
  async withConnection<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await work({ query: async <R extends QueryResultRow>(text: string, params?: unknown[]) => (await client.query<R>(text, params)).rows });
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      // releasing with an error destroys the connection, and with it any session lock it held
      client.release(broken);
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const rolledBack: (() => Promise<void>)[] = [];
    const client: PoolClient = await this.pool.connect();
    let rolledBackWork = false;
    try {
      await client.query('BEGIN');
      const tx: SqlTransaction = {
        query: async <R extends QueryResultRow>(text: string, params?: unknown[]) => (await client.query<R>(text, params)).rows,
        afterRollback: (followUp) => void rolledBack.push(followUp),
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      rolledBackWork = true;
      throw error;
    } finally {
      client.release();
      // after the release: a follow-up never waits for the connection its own transaction holds
      if (rolledBackWork) await Promise.allSettled(rolledBack.map((followUp) => followUp()));
    }
  }
}

const statementNames = new Map<string, string>();

/** A prepared statement's name: derived from its text, so one text never meets two names nor one name two texts. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `wharf_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}
