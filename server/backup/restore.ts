import { createReadStream, existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from '../storage/blob-store.js';
import { createDatabase } from '../database/index.js';
import { verifyStoredFiles } from '../evidence/verify.js';
import { closeBlobStore, createBlobStore } from '../storage/index.js';
import { listTables, openSqliteFile, restorePostgres, tableCounts } from './database.js';
import { blobPath, copyHashed, DATABASE_FILE, hashFile, readManifest, type BackupManifest } from './manifest.js';

export interface RestoreResult {
  /** 'refused': the target is not empty or the backup is for another engine; nothing was written. */
  outcome: 'restored' | 'invalid' | 'refused' | 'failed';
  problems: string[];
  manifest?: BackupManifest;
}

/** Every file under `dir`, as posix paths relative to `base`. */
async function walk(base: string, dir = base): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(base, full)));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** Checks a backup directory against its manifest: the database copy and every stored file. */
export async function verifyBackup(dir: string): Promise<{ manifest?: BackupManifest; problems: string[] }> {
  const { manifest, problem } = await readManifest(dir);
  if (!manifest) return { problems: [problem!] };
  const problems: string[] = [];
  const check = async (rel: string, sha256: string, size: number) => {
    const file = path.join(dir, rel);
    if (!(await stat(file).catch(() => undefined))) return problems.push(`missing: ${rel}`);
    const got = await hashFile(file);
    if (got.size !== size) problems.push(`size mismatch: ${rel} (manifest ${size} bytes, file ${got.size} bytes)`);
    else if (got.sha256 !== sha256) problems.push(`hash mismatch: ${rel} (manifest ${sha256}, file ${got.sha256})`);
  };
  // Only the expected name: a crafted manifest must not make restore read some other file.
  if (manifest.database.file !== DATABASE_FILE[manifest.engine]) problems.push(`bad database file name in the manifest: ${manifest.database.file}`);
  else await check(manifest.database.file, manifest.database.sha256, manifest.database.size);
  const listed = new Set<string>();
  for (const b of manifest.blobs) {
    if (b.path !== blobPath(b.organizationId, b.sha256)) problems.push(`bad path in the manifest: ${b.path}`);
    if (listed.has(b.path)) continue; // one file registered under several kinds
    listed.add(b.path);
    await check(b.path, b.sha256, b.size);
  }
  for (const rel of await walk(dir, path.join(dir, 'blobs'))) if (!listed.has(rel)) problems.push(`not in the manifest: ${rel}`);
  return { manifest, problems };
}

/**
 * `dengbao restore <dir>`: verifies the whole backup first (nothing is written when a file fails),
 * refuses a target that is not empty (a database with tables, stored files in DATA_DIR/evidence),
 * restores the database and the files, then checks the result: the row count of every table
 * against the manifest, and every registered file re-hashed.
 */
export async function restoreBackup(config: Config, dir: string): Promise<RestoreResult> {
  const { manifest, problems } = await verifyBackup(dir);
  if (!manifest || problems.length) return { outcome: 'invalid', problems, manifest };
  const engine = config.database.engine;
  if (manifest.engine !== engine) return { outcome: 'refused', problems: [`the backup is of a ${manifest.engine} database; DATABASE_URL is ${engine}`], manifest };

  const store = createBlobStore(config);
  try {
    return await restoreInto(config, dir, manifest, store);
  } finally {
    closeBlobStore(store);
  }
}

async function restoreInto(config: Config, dir: string, manifest: BackupManifest, store: BlobStore): Promise<RestoreResult> {
  const engine = config.database.engine;
  const refusals: string[] = [];
  if ((await store.list()).length) refusals.push(`${store.location} holds stored files`);
  const filename = config.database.filename;
  if (engine === 'sqlite') {
    if (!filename || filename === ':memory:') refusals.push('the SQLite database is in memory');
    else if (existsSync(filename)) {
      const db = openSqliteFile(filename);
      try {
        const tables = await listTables(db, engine);
        if (tables.length) refusals.push(`${filename} is not empty (${tables.length} tables)`);
      } finally {
        await db.destroy();
      }
    }
  } else {
    const db = createDatabase(config.database);
    try {
      const tables = await listTables(db, engine);
      if (tables.length) refusals.push(`the database is not empty (${tables.length} tables)`);
    } finally {
      await db.destroy();
    }
  }
  if (refusals.length) return { outcome: 'refused', problems: refusals, manifest };

  const failed: string[] = [];
  const copied: Array<{ namespace: string; hash: string }> = [];
  const seen = new Set<string>();
  try {
    for (const b of manifest.blobs) {
      if (seen.has(b.path)) continue; // listed under several kinds
      seen.add(b.path);
      // Through the store (the local directory or the bucket), hashed again on the way in.
      const staged = await store.stage(createReadStream(path.join(dir, b.path)), Number.MAX_SAFE_INTEGER);
      if (staged.hash !== b.sha256) {
        await staged.discard();
        failed.push(`hash mismatch while copying ${b.path}`);
        continue;
      }
      await staged.commit(b.organizationId).finally(() => staged.discard());
      copied.push({ namespace: b.organizationId, hash: b.sha256 });
    }
    if (engine === 'sqlite') {
      for (const f of [filename!, `${filename}-wal`, `${filename}-shm`]) await rm(f, { force: true });
      const got = await copyHashed(path.join(dir, manifest.database.file), filename!);
      if (got.sha256 !== manifest.database.sha256) failed.push(`hash mismatch while copying ${manifest.database.file}`);
    } else {
      await restorePostgres(config.database.url, path.join(dir, manifest.database.file));
    }
  } catch (err) {
    // Leave the target as empty as it was, so the restore can be run again.
    for (const c of copied) await store.remove(c.namespace, c.hash).catch(() => undefined);
    if (engine === 'sqlite') await rm(filename!, { force: true });
    throw err;
  }

  // The restored installation, checked as the server will see it.
  const db = createDatabase(config.database);
  try {
    const counts = await tableCounts(db, engine);
    for (const [table, n] of Object.entries(manifest.tables)) {
      if (counts[table] !== n) failed.push(`row count: ${table} has ${counts[table] ?? 'no table'} rows, the backup ${n}`);
    }
    for (const table of Object.keys(counts)) if (!(table in manifest.tables)) failed.push(`row count: table ${table} is not in the backup`);
    const verified = await verifyStoredFiles(db, store);
    for (const p of verified.problems) failed.push(`${p.state.toUpperCase()} after restore: organisation ${p.organizationId} file ${p.hash} (${p.kind} ${p.refs.join(', ')})`);
  } finally {
    await db.destroy();
  }
  return { outcome: failed.length ? 'failed' : 'restored', problems: failed, manifest };
}
