import type { Knex } from 'knex';
import { engineOf } from './index.js';

/** One row's new values, keyed by id and guarded by the row version it was read at. */
export interface VersionedUpdate {
  id: string;
  rowVersion: number;
  values: Record<string, string | number | null>;
}

/** Rows per statement: 500 rows × (2 + columns) parameters stay far under SQLite's 32,766. */
const CHUNK = 500;

/**
 * Updates many rows of `table` in a few statements — `UPDATE … FROM (VALUES …)` on both engines
 * (SQLite ≥ 3.33) — each row only where its row version is still the one read, bumping it by one.
 * `fixed` holds SQL literals the same for every row (e.g. `inherited = false`) and `shared` bound
 * values the same for every row. Returns the updated rows; a row missing from them was changed by
 * someone else in between (the caller turns that into a conflict).
 */
export async function updateVersioned(
  trx: Knex,
  table: string,
  columns: readonly string[],
  updates: readonly VersionedUpdate[],
  shared: Record<string, string | number | null> = {},
  fixed: Record<string, string> = {},
): Promise<Array<Record<string, any>>> {
  const pg = engineOf(trx) === 'postgres';
  // VALUES columns are named column1, column2, … on both engines; PostgreSQL needs the key types.
  const tuple = `(${pg ? '?::uuid, ?::int' : '?, ?'}${columns.map(() => ', ?').join('')})`;
  // RETURNING: SQLite returns only the target's columns and refuses `table.*`; PostgreSQL would add v's.
  const sets = [
    ...columns.map((c, i) => `${trx.client.wrapIdentifier(c)} = v.column${i + 3}`),
    ...Object.keys(shared).map((c) => `${trx.client.wrapIdentifier(c)} = ?`),
    ...Object.entries(fixed).map(([c, sql]) => `${trx.client.wrapIdentifier(c)} = ${sql}`),
    'row_version = v.column2 + 1',
  ].join(', ');
  const t = trx.client.wrapIdentifier(table);
  const out: Array<Record<string, any>> = [];
  for (let i = 0; i < updates.length; i += CHUNK) {
    const chunk = updates.slice(i, i + CHUNK);
    const bindings = [
      ...Object.values(shared),
      ...chunk.flatMap((u) => [u.id, u.rowVersion, ...columns.map((c) => u.values[c] ?? null)]),
    ];
    const sql = `update ${t} set ${sets} from (values ${chunk.map(() => tuple).join(', ')}) as v where ${t}.id = v.column1 and ${t}.row_version = v.column2 returning ${pg ? `${t}.*` : "*"}`;
    const res = await trx.raw(sql, bindings);
    out.push(...(pg ? (res as { rows: Array<Record<string, any>> }).rows : (res as Array<Record<string, any>>)));
  }
  return out;
}
