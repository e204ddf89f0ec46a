import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { DatabaseEngine } from '../config.js';

/**
 * A backup directory:
 *   manifest.json                         what is in it, with a SHA-256 of every file
 *   database.sqlite | database.pgdump      the database (SQLite online-backup copy, or pg_dump custom format)
 *   blobs/<organisation>/<aa>/<bb>/<sha256> every registered stored file (same layout as DATA_DIR/evidence)
 */
export const BACKUP_FORMAT = 'dengbao-backup/1';
export const MANIFEST_FILE = 'manifest.json';
export const DATABASE_FILE: Record<DatabaseEngine, string> = { sqlite: 'database.sqlite', postgres: 'database.pgdump' };

const sha = z.string().regex(/^[0-9a-f]{64}$/);
export const backupManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  createdAt: z.string(),
  generator: z.object({ name: z.string(), version: z.string() }),
  engine: z.enum(['sqlite', 'postgres']),
  migrations: z.array(z.string()),
  database: z.object({ file: z.string(), sha256: sha, size: z.number().int().min(0) }),
  /** Row count of every table at the moment of the snapshot. */
  tables: z.record(z.string(), z.number().int().min(0)),
  blobs: z.array(
    z.object({
      kind: z.enum(['evidence', 'report', 'workbook']),
      organizationId: z.uuid(),
      sha256: sha,
      size: z.number().int().min(0),
      path: z.string(),
      refs: z.array(z.string()),
    }),
  ),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export const blobPath = (organizationId: string, hash: string) => path.posix.join('blobs', organizationId, hash.slice(0, 2), hash.slice(2, 4), hash);

/** SHA-256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha256: h.digest('hex'), size };
}

/**
 * Copies a file through a temporary name, hashing what is copied; resolves with the SHA-256 of
 * the bytes written (the caller compares it with the expected one).
 */
export async function copyHashed(from: string, to: string): Promise<{ sha256: string; size: number }> {
  return copyStreamHashed(createReadStream(from), to);
}

/** copyHashed() from a stream (a stored blob read from the store). */
export async function copyStreamHashed(input: Readable, to: string): Promise<{ sha256: string; size: number }> {
  await mkdir(path.dirname(to), { recursive: true });
  const h = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const part = `${to}.part`;
  try {
    await pipeline(input, meter, createWriteStream(part, { flags: 'wx', mode: 0o600 }));
    await rename(part, to);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return { sha256: h.digest('hex'), size };
}

export async function readManifest(dir: string): Promise<{ manifest?: BackupManifest; problem?: string }> {
  let raw: string;
  try {
    raw = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    return { problem: `missing: ${MANIFEST_FILE} (${(err as Error).message})` };
  }
  try {
    const parsed = backupManifestSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return { manifest: parsed.data };
    return { problem: `unreadable manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  } catch (err) {
    return { problem: `unreadable manifest: ${(err as Error).message}` };
  }
}
