import type { Knex } from 'knex';
import { engineOf } from './index.js';

/**
 * Takes the row lock of one parent row for the rest of the transaction, so concurrent writers
 * of its children queue up instead of reading the same state (PostgreSQL: SELECT … FOR UPDATE).
 * SQLite needs nothing: its single connection runs one write transaction at a time already.
 * Returns the row as read under the lock (undefined when it does not exist).
 */
export async function lockRow<T = Record<string, any>>(trx: Knex.Transaction, table: string, where: Record<string, unknown>): Promise<T | undefined> {
  const q = trx(table).where(where);
  return (engineOf(trx) === 'postgres' ? q.forUpdate() : q).first() as Promise<T | undefined>;
}
