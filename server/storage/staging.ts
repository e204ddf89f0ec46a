import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobTooLargeError } from './blob-store.js';

const HEAD_BYTES = 64 * 1024;
export const HASH = /^[0-9a-f]{64}$/;
export const NAMESPACE = /^[0-9a-f-]{36}$/;

/** Refuses a namespace or hash that is not one (a key or a path is built from them). */
export function checkAddress(namespace: string, hash: string): void {
  if (!NAMESPACE.test(namespace)) throw new Error(`bad namespace ${namespace}`);
  if (!HASH.test(hash)) throw new Error(`bad hash ${hash}`);
}

/** The relative address of a stored blob: `<namespace>/<aa>/<bb>/<sha256>`, from its hash only. */
export function blobAddress(namespace: string, hash: string): string[] {
  checkAddress(namespace, hash);
  return [namespace, hash.slice(0, 2), hash.slice(2, 4), hash];
}

export interface StagedFile {
  file: string;
  hash: string;
  size: number;
  head: Buffer;
}

/**
 * Streams `input` to a new file in `dir` (named `<prefix><random>.part`) while hashing it and
 * keeping its first bytes; past `maxBytes` it rejects with BlobTooLargeError. On any failure the
 * partial file is removed.
 */
export async function stageToFile(input: Readable, maxBytes: number, dir: string, prefix = ''): Promise<StagedFile> {
  // The input may fail while the directory is created, before pipeline() listens: pipeline
  // still sees it (the stream is destroyed), but the 'error' event must not go unhandled.
  input.on('error', () => undefined);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${prefix}${randomBytes(12).toString('hex')}.part`);
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
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    await pipeline(input, meter, out);
  } catch (err) {
    // The file is opened asynchronously: when the input failed at once (a truncated body), the
    // open may complete after pipeline() gave up. Wait for the stream to close, then remove it,
    // or the temporary file would outlive the refused request.
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    await rm(file, { force: true });
    throw err;
  }
  return { file, hash: sha.digest('hex'), size, head: Buffer.concat(headChunks) };
}
