import type { Knex } from 'knex';

/**
 * Runs fn in a transaction, reusing the one already open when `knex` is a transaction,
 * so services can call each other without nesting (SQLite has a single connection:
 * opening a second transaction from the global knex would wait forever).
 */
export async function transaction<T>(knex: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if ((knex as Knex.Transaction).isTransaction) return fn(knex as Knex.Transaction);
  return knex.transaction((trx) => fn(trx));
}
