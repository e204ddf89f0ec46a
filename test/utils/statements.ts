import type { Knex } from 'knex';
import { auditSettled } from '../../server/audit/middleware.js';

/**
 * The session's idle-timer refresh (server/services/auth.ts: at most once a minute, by the clock)
 * depends on when a request comes, not on the data, so it is not counted: on a slow run it lands
 * in one measurement and not in the other.
 */
const IDLE_REFRESH = /^update [`"]sessions[`"] set [`"]last_seen_at[`"]/i;

/**
 * Runs `fn` and returns how many SQL statements the database received meanwhile (knex's 'query'
 * event, which transactions forward too) with their SQL, for tests that a read does not grow with
 * the portfolio. Not for concurrent use: every query on `knex` during `fn` counts. The audit
 * middleware records a request after its response: counting waits for earlier requests' entries
 * before it starts and for this one's before it stops, so each count is the whole request's.
 */
export async function countStatements<T>(knex: Knex, fn: () => Promise<T>): Promise<{ count: number; sql: string[]; value: T }> {
  await auditSettled();
  const sql: string[] = [];
  const listener = (q: { sql: string }) => {
    if (!IDLE_REFRESH.test(q.sql)) sql.push(q.sql);
  };
  knex.on('query', listener);
  try {
    const value = await fn();
    await auditSettled();
    return { count: sql.length, sql, value };
  } finally {
    knex.off('query', listener);
  }
}
