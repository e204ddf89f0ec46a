import type { Knex } from 'knex';

/**
 * Counts the SQL statements `fn` sends through `knex` (its 'query' event, which transactions
 * opened from it report too). Returns them so a failing assertion can show what grew.
 */
export async function countStatements<T>(knex: Knex, fn: () => Promise<T>): Promise<{ result: T; count: number; statements: string[] }> {
  const statements: string[] = [];
  const listener = (q: { sql: string }) => statements.push(q.sql.slice(0, 200));
  knex.on('query', listener);
  try {
    const result = await fn();
    return { result, count: statements.length, statements };
  } finally {
    knex.removeListener('query', listener);
  }
}
