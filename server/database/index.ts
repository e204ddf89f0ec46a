import knexFactory, { type Knex } from 'knex';
import type { Config, DatabaseEngine } from '../config.js';
import { migrationSource } from './migrations/index.js';

export type { Knex };

interface SqliteConnection {
  pragma(s: string): unknown;
  prepare(sql: string): unknown;
}

/** How many prepared statements one SQLite connection keeps (least recently used dropped first). */
const PREPARED_KEPT = 500;

/**
 * knex prepares every statement anew (parsing and planning it: a tenth of a short read's time).
 * The connection keeps the statements it prepared, keyed by their SQL: better-sqlite3 runs a
 * statement to completion synchronously, so one statement object never serves two queries at once,
 * and SQLite re-prepares a kept statement itself when the schema changed.
 */
function cachePreparedStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const kept = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = kept.get(sql);
    if (statement) {
      kept.delete(sql); // re-inserted below: the Map's order is the recency order
    } else {
      statement = prepare(sql);
      if (kept.size >= PREPARED_KEPT) kept.delete(kept.keys().next().value!);
    }
    kept.set(sql, statement);
    return statement;
  };
}

/** Opens the database for the configured engine. Does not migrate. */
export function createDatabase(database: Config['database']): Knex {
  if (database.engine === 'sqlite') {
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: database.filename! },
      useNullAsDefault: true,
      // One connection: better-sqlite3 is synchronous, and a single writer avoids SQLITE_BUSY
      // between pool connections. Never use the global knex inside a transaction on SQLite.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          try {
            cachePreparedStatements(conn);
            conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma('busy_timeout = 5000');
            conn.pragma('synchronous = NORMAL');
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
  }
  return knexFactory({
    client: 'pg',
    connection: database.url,
    pool: { min: 0, max: database.poolMax },
  });
}

export function engineOf(knex: Knex): DatabaseEngine {
  const client = (knex.client as { config: { client: string } }).config.client;
  return client === 'pg' ? 'postgres' : 'sqlite';
}

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Rolls back every migration (used by `dengbao migrate down --all` and the migration tests). */
export async function migrateRollbackAll(knex: Knex): Promise<string[]> {
  const [, rolled] = (await knex.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return rolled;
}

export async function migrateDown(knex: Knex): Promise<string[]> {
  const [, rolled] = (await knex.migrate.down({ migrationSource })) as [number, string[]];
  return rolled ?? [];
}

export async function migrationStatus(knex: Knex): Promise<{ completed: string[]; pending: string[] }> {
  const [completed, pending] = (await knex.migrate.list({ migrationSource })) as [
    Array<{ name: string }>,
    Array<{ file: string } | string>,
  ];
  return {
    completed: completed.map((m) => m.name),
    pending: pending.map((m) => (typeof m === 'string' ? m : m.file)),
  };
}
