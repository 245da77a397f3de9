import { PLAN_REFRESH_STATEMENTS } from '@wharf/db';
import { Client } from 'pg';

/**
 * Every statement sent to Postgres by the pg clients of this process (the api under test runs in
 * it) while `work` runs, BEGIN and COMMIT included, whitespace folded: what tests count to prove
 * how many round trips a request costs and which tables it reads. The pool's own plan refresh
 * (`refreshPlansAsTablesGrow`: a row count once a second, `DISCARD PLANS` after a table grew),
 * sent on a connection before the request gets it, is not the request's and is left out.
 */
export async function statementsDuring(work: () => Promise<void>): Promise<string[]> {
  const sent: string[] = [];
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const config = args[0];
    sent.push(typeof config === 'string' ? config : String((config as { text?: string })?.text ?? ''));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    Client.prototype.query = original;
  }
  return sent.filter((s) => !PLAN_REFRESH_STATEMENTS.includes(s)).map((s) => s.replace(/\s+/g, ' ').trim());
}
