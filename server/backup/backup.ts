import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { closeBlobStore, createBlobStore } from '../storage/index.js';
import { registeredBlobs, type RegisteredBlob } from '../storage/registry.js';
import { now } from '../util.js';
import { packageVersion } from '../version.js';
import { appliedMigrations, backupPostgres, backupSqlite, listTables, openSqliteFile, tableCounts } from './database.js';
import { BACKUP_FORMAT, blobPath, copyStreamHashed, DATABASE_FILE, hashFile, MANIFEST_FILE, type BackupManifest } from './manifest.js';

export interface BackupResult {
  /** Written only when every registered file was copied intact. */
  manifest?: BackupManifest;
  /** One line per problem, naming the file. */
  problems: string[];
}

export class BackupRefusedError extends Error {}

interface Snapshot {
  tables: Record<string, number>;
  migrations: string[];
  blobs: RegisteredBlob[];
}

async function describe(knex: Knex, engine: 'sqlite' | 'postgres'): Promise<Snapshot> {
  const names = await listTables(knex, engine);
  return { tables: await tableCounts(knex, engine), migrations: await appliedMigrations(knex, names), blobs: names.includes('evidence_blobs') ? await registeredBlobs(knex) : [] };
}

/**
 * `dengbao backup <dir>`: an online backup into an empty directory. First the database, as one
 * consistent snapshot (SQLite backup API / pg_dump from an exported snapshot); then every stored
 * file that snapshot registers. Stored files are write-once and are written before the row that
 * registers them, so every file the snapshot names is already on disk. manifest.json (SHA-256 of
 * the database copy and of every file, row count of every table) is written last: a directory
 * without it is not a backup.
 */
export async function createBackup(config: Config, knex: Knex, dir: string): Promise<BackupResult> {
  await mkdir(dir, { recursive: true });
  const present = await readdir(dir);
  if (present.length) throw new BackupRefusedError(`backup refused: ${dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''})`);
  const engine = config.database.engine;
  const dbFile = path.join(dir, DATABASE_FILE[engine]);

  let snapshot: Snapshot;
  if (engine === 'sqlite') {
    if (!config.database.filename || config.database.filename === ':memory:') throw new BackupRefusedError('backup refused: the SQLite database is in memory');
    await backupSqlite(config.database.filename, dbFile);
    const copy = openSqliteFile(dbFile);
    try {
      snapshot = await describe(copy, engine);
    } finally {
      await copy.destroy();
    }
  } else {
    snapshot = await backupPostgres(knex, config.database.url, dbFile, (trx) => describe(trx, engine));
  }

  // The files come from the configured store (the local directory or the bucket) and go into
  // the backup directory either way: the backup is self-contained and restores to either kind.
  const store = createBlobStore(config);
  const problems: string[] = [];
  const copied = new Map<string, 'ok' | string>();
  try {
    for (const b of snapshot.blobs) {
      const key = `${b.organizationId}/${b.hash}`;
      if (copied.has(key)) continue;
      try {
        const got = await copyStreamHashed(store.open(b.organizationId, b.hash), path.join(dir, blobPath(b.organizationId, b.hash)));
        copied.set(key, got.sha256 === b.hash ? 'ok' : 'corrupted');
      } catch (err) {
        // ENOENT: not in the store; EBLOBHASH: the S3 store's read refused bytes not matching the hash.
        const code = (err as NodeJS.ErrnoException).code;
        copied.set(key, code === 'ENOENT' ? 'missing' : code === 'EBLOBHASH' ? 'corrupted' : `unreadable (${(err as Error).message})`);
      }
      const state = copied.get(key)!;
      if (state !== 'ok') problems.push(`${state.toUpperCase()}: organisation ${b.organizationId} file ${b.hash} (${b.kind} ${b.refs.join(', ') || '-'})`);
    }
  } finally {
    closeBlobStore(store);
  }
  if (problems.length) return { problems };

  const db = await hashFile(dbFile);
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    createdAt: now(),
    generator: { name: 'dengbao', version: packageVersion() },
    engine,
    migrations: snapshot.migrations,
    database: { file: DATABASE_FILE[engine], ...db },
    tables: snapshot.tables,
    blobs: snapshot.blobs.map((b) => ({ kind: b.kind, organizationId: b.organizationId, sha256: b.hash, size: b.size, path: blobPath(b.organizationId, b.hash), refs: b.refs })),
  };
  const part = path.join(dir, `${MANIFEST_FILE}.part`);
  await writeFile(part, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await rename(part, path.join(dir, MANIFEST_FILE));
  return { manifest, problems };
}

/** Removes what an interrupted or failed backup left (never called on a directory it did not fill). */
export async function discardBackup(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) await rm(path.join(dir, name), { recursive: true, force: true });
}
