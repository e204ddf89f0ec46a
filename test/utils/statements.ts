import type { Knex } from 'knex';

/**
 * Runs `fn` and returns how many SQL statements the database received meanwhile (knex's 'query'
 * event, which transactions forward too) with their SQL, for tests that a read does not grow with
 * the portfolio. Not for concurrent use: every query on `knex` during `fn` counts.
 */
export async function countStatements<T>(knex: Knex, fn: () => Promise<T>): Promise<{ count: number; sql: string[]; value: T }> {
  const sql: string[] = [];
  const listener = (q: { sql: string }) => sql.push(q.sql);
  knex.on('query', listener);
  try {
    const value = await fn();
    return { count: sql.length, sql, value };
  } finally {
    knex.off('query', listener);
  }
}
