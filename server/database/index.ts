import knexFactory, { type Knex } from 'knex';
import type { Config, DatabaseEngine } from '../config.js';
import { migrationSource } from './migrations/index.js';

export type { Knex };

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
        afterCreate(conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          try {
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
