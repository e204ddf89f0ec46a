import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, StagedBlob } from './blob-store.js';
import { blobAddress, HASH, NAMESPACE, stageToFile } from './staging.js';

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

  get location(): string {
    return this.root;
  }

  pathOf(namespace: string, hash: string): string {
    return path.join(this.root, ...blobAddress(namespace, hash));
  }

  async stage(input: Readable, maxBytes: number): Promise<StagedBlob> {
    const { file: tmpFile, hash, size, head } = await stageToFile(input, maxBytes, this.tmp);
    let done = false;
    return {
      hash,
      size,
      head,
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

  async remove(namespace: string, hash: string): Promise<void> {
    await rm(this.pathOf(namespace, hash), { force: true });
  }

  async cleanTemporary(): Promise<number> {
    const names = await readdir(this.tmp).catch(() => [] as string[]);
    await Promise.all(names.map((n) => rm(path.join(this.tmp, n), { force: true })));
    return names.length;
  }
}
