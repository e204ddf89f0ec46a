import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobTooLargeError, type BlobStore, type StagedBlob } from './blob-store.js';

const HEAD_BYTES = 64 * 1024;
const HASH = /^[0-9a-f]{64}$/;
const NAMESPACE = /^[0-9a-f-]{36}$/;

/**
 * Files under `root` (DATA_DIR/evidence):
 *   <organisation id>/<aa>/<bb>/<sha256>   stored blobs, read-only once written
 *   tmp/<random>.part                       uploads in progress
 * A blob's path derives only from its hash, never from a client's file name.
 */
export class FsBlobStore implements BlobStore {
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.tmp = path.join(root, 'tmp');
  }

  pathOf(namespace: string, hash: string): string {
    if (!NAMESPACE.test(namespace)) throw new Error(`bad namespace ${namespace}`);
    if (!HASH.test(hash)) throw new Error(`bad hash ${hash}`);
    return path.join(this.root, namespace, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async stage(input: Readable, maxBytes: number): Promise<StagedBlob> {
    // The input may fail while the directory is created, before pipeline() listens: pipeline
    // still sees it (the stream is destroyed), but the 'error' event must not go unhandled.
    input.on('error', () => undefined);
    await mkdir(this.tmp, { recursive: true });
    const tmpFile = path.join(this.tmp, `${randomBytes(12).toString('hex')}.part`);
    const sha = createHash('sha256');
    const headChunks: Buffer[] = [];
    let headLength = 0;
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new BlobTooLargeError(maxBytes));
        sha.update(chunk);
        if (headLength < HEAD_BYTES) {
          headChunks.push(chunk.subarray(0, HEAD_BYTES - headLength));
          headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
        }
        done(null, chunk);
      },
    });
    const out = createWriteStream(tmpFile, { flags: 'wx', mode: 0o600 });
    try {
      await pipeline(input, meter, out);
    } catch (err) {
      // The file is opened asynchronously: when the input failed at once (a truncated body), the
      // open may complete after pipeline() gave up. Wait for the stream to close, then remove it,
      // or the temporary file would outlive the refused request.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      await rm(tmpFile, { force: true });
      throw err;
    }
    const hash = sha.digest('hex');
    let done = false;
    return {
      hash,
      size,
      head: Buffer.concat(headChunks),
      commit: async (namespace: string) => {
        if (done) return;
        const finalPath = this.pathOf(namespace, hash);
        await mkdir(path.dirname(finalPath), { recursive: true });
        const existing = await stat(finalPath).catch(() => undefined);
        // Same content already stored: keep the original bytes (never overwrite).
        if (existing) await rm(tmpFile, { force: true });
        else await rename(tmpFile, finalPath);
        done = true;
      },
      discard: async () => {
        if (!done) await rm(tmpFile, { force: true });
        done = true;
      },
    };
  }

  open(namespace: string, hash: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(namespace, hash), range ? { start: range.start, end: range.end } : {});
  }

  async size(namespace: string, hash: string): Promise<number | undefined> {
    const s = await stat(this.pathOf(namespace, hash)).catch(() => undefined);
    return s?.size;
  }

  async verify(namespace: string, hash: string): Promise<'ok' | 'missing' | 'corrupted'> {
    const file = this.pathOf(namespace, hash);
    if (!(await stat(file).catch(() => undefined))) return 'missing';
    const sha = createHash('sha256');
    await pipeline(createReadStream(file), sha);
    return sha.digest('hex') === hash ? 'ok' : 'corrupted';
  }

  async list(): Promise<Array<{ namespace: string; hash: string }>> {
    const out: Array<{ namespace: string; hash: string }> = [];
    const dirs = (p: string) => readdir(p, { withFileTypes: true }).then((es) => es.filter((e) => e.isDirectory()).map((e) => e.name)).catch(() => [] as string[]);
    for (const namespace of (await dirs(this.root)).filter((n) => NAMESPACE.test(n)).sort()) {
      for (const a of (await dirs(path.join(this.root, namespace))).sort()) {
        for (const b of (await dirs(path.join(this.root, namespace, a))).sort()) {
          const names = await readdir(path.join(this.root, namespace, a, b)).catch(() => [] as string[]);
          for (const hash of names.filter((n) => HASH.test(n)).sort()) out.push({ namespace, hash });
        }
      }
    }
    return out;
  }

  async cleanTemporary(): Promise<number> {
    const names = await readdir(this.tmp).catch(() => [] as string[]);
    await Promise.all(names.map((n) => rm(path.join(this.tmp, n), { force: true })));
    return names.length;
  }
}
