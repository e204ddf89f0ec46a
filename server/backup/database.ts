import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import knexFactory, { type Knex } from 'knex';

/** Tables of the current schema (SQLite: the main database), sorted. */
export async function listTables(knex: Knex, engine: 'sqlite' | 'postgres'): Promise<string[]> {
  if (engine === 'sqlite') {
    const rows = await knex.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name");
    return (rows as Array<{ name: string }>).map((r) => r.name);
  }
  const res = await knex.raw("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name");
  return (res.rows as Array<{ table_name: string }>).map((r) => r.table_name);
}

/** Row count of every table. */
export async function tableCounts(knex: Knex, engine: 'sqlite' | 'postgres'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await listTables(knex, engine)) out[t] = Number((await knex(t).count({ n: '*' }))[0]!.n);
  return out;
}

/** Applied migrations, in order (empty when the database was never migrated). */
export async function appliedMigrations(knex: Knex, tables: string[]): Promise<string[]> {
  if (!tables.includes('knex_migrations')) return [];
  return knex('knex_migrations').orderBy('id').pluck('name');
}

/**
 * Copies a live SQLite database with SQLite's online backup API (better-sqlite3 `.backup()`),
 * all pages in one step: the copy is one consistent snapshot even while the server writes (a
 * multi-step copy restarts whenever another connection writes). The copy is switched to the
 * rollback journal so it is a single self-contained file.
 */
export async function backupSqlite(source: string, dest: string): Promise<void> {
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(dest, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(dest);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** A knex on a SQLite file without the server's pragmas (no WAL switch on a backup copy). */
export function openSqliteFile(filename: string): Knex {
  return knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
}

export class ToolMissingError extends Error {}

/** Runs a PostgreSQL client tool; rejects with its standard error on a non-zero exit. */
export function runTool(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new ToolMissingError(`${tool} not found: install the PostgreSQL client tools (the server's major version or newer)`) : err),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited with ${code}: ${stderr.trim()}`))));
  });
}

/**
 * Dumps a PostgreSQL database with pg_dump (custom format) from the snapshot of an open
 * repeatable-read transaction, then runs `fn` in that same transaction: the dump, the row counts
 * and the list of stored files all describe the same instant, whatever is written meanwhile.
 */
export async function backupPostgres<T>(knex: Knex, url: string, dest: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(
    async (trx) => {
      const snapshot = (await trx.raw('select pg_export_snapshot() as s')).rows[0].s as string;
      await runTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`, `--file=${dest}`, `--dbname=${url}`]);
      return fn(trx);
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/** Restores a pg_dump file into an (empty) database, all or nothing. */
export function restorePostgres(url: string, file: string): Promise<void> {
  return runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${url}`, file]);
}
