import type { Knex } from 'knex';

// Bound parameters per statement: SQLite's default limit is 32,766 (since 3.32), PostgreSQL's 65,535.
const MAX_PARAMS = 30_000;
// knex writes a multi-row insert on SQLite as a compound SELECT, limited to 500 terms.
const MAX_ROWS = 500;

/** Multi-row inserts in chunks that stay under both engines' parameter limits. */
export async function insertChunked(knex: Knex, table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]!).length;
  const size = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns)));
  for (let i = 0; i < rows.length; i += size) await knex(table).insert(rows.slice(i, i + size));
}
