import type * as S3Sdk from '@aws-sdk/client-s3';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EvidenceStoreConfig } from '../config.js';
import type { BlobStore, StagedBlob } from './blob-store.js';
import { blobAddress, HASH, NAMESPACE, stageToFile } from './staging.js';

// The SDK is loaded when a bucket is configured, not at every start: it is a tenth of a start's time.
let loaded: typeof S3Sdk | undefined;
const sdk = (): typeof S3Sdk => (loaded ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof S3Sdk);

type S3Settings = Extract<EvidenceStoreConfig, { kind: 's3' }>;

export interface S3BlobStoreOptions {
  /** Local directory for uploads in progress (DATA_DIR/upload-tmp). */
  tmpDir: string;
  /** Files larger than this are uploaded in parts (S3 refuses a single PUT above 5 GiB). */
  multipartThreshold?: number;
  partSize?: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1,000; tests page with fewer). */
  listPageSize?: number;
  /** Abandoned multipart uploads older than this are aborted by cleanTemporary(). */
  abandonedAfterMs?: number;
}

/** A blob's bytes no longer match the hash they are stored under (read in full through open()). */
export class BlobHashMismatchError extends Error {
  readonly code = 'EBLOBHASH';
}

const status = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const errName = (err: unknown) => (err as { name?: string; Code?: string }).Code ?? (err as { name?: string }).name;
/** The object is not there (but the bucket is: NoSuchBucket is a configuration error, not a missing file). */
const isMissing = (err: unknown) => errName(err) !== 'NoSuchBucket' && (errName(err) === 'NoSuchKey' || errName(err) === 'NotFound' || status(err) === 404);
const isNotImplemented = (err: unknown) => errName(err) === 'NotImplemented' || status(err) === 501;

/**
 * Blobs in an S3-compatible bucket (AWS S3, Alibaba Cloud OSS, Tencent COS, Huawei OBS, MinIO):
 *   <prefix>/<organisation id>/<aa>/<bb>/<sha256>   the same layout as the local directory
 * Uploads stream to a local temporary file while hashed (nothing reaches the bucket before the
 * hash is known), then go up on commit: one PUT, or a multipart upload for large files. Keys are
 * write-once: commit looks first (HeadObject) and puts with `If-None-Match: *`, so a concurrent
 * writer of the same content cannot overwrite either; a server that answers 501 to the condition
 * is remembered and written to after the look alone (a server that ignores it, like s3rver, gets
 * the same). Reads re-hash: verify() reads the object through SHA-256, and a full open() fails
 * at its end when the bytes do not match (another party with write access to the bucket).
 */
export class S3BlobStore implements BlobStore {
  readonly location: string;
  private readonly client: S3Sdk.S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly tmpDir: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly listPageSize: number;
  private readonly abandonedAfterMs: number;
  private conditionalWrites = true;

  constructor(settings: S3Settings, options: S3BlobStoreOptions) {
    this.bucket = settings.bucket;
    this.prefix = settings.prefix;
    this.location = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ''}`;
    this.tmpDir = options.tmpDir;
    this.multipartThreshold = options.multipartThreshold ?? 64 * 1024 * 1024;
    this.partSize = options.partSize ?? 16 * 1024 * 1024;
    this.listPageSize = options.listPageSize ?? 1000;
    this.abandonedAfterMs = options.abandonedAfterMs ?? 24 * 3600_000;
    // The SDK warns on every process start that releases after January 2027 will need Node 22;
    // this project runs Node 20 with the SDK version its lockfile pins. Not an operator's concern.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // Credentials: the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles,
    // instance roles). Checksums only where the API requires them: the SDK's newer default
    // (a CRC32 trailer on every PUT, aws-chunked) is not understood by several S3-compatible services.
    this.client = new (sdk().S3Client)({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  keyOf(namespace: string, hash: string): string {
    return [this.prefix, ...blobAddress(namespace, hash)].filter(Boolean).join('/');
  }

  private get listPrefix(): string {
    return this.prefix ? `${this.prefix}/` : '';
  }

  async stage(input: Readable, maxBytes: number): Promise<StagedBlob> {
    // Named after this process: cleanTemporary() of another process sharing DATA_DIR leaves it alone.
    const { file, hash, size, head } = await stageToFile(input, maxBytes, this.tmpDir, `${process.pid}-`);
    let done = false;
    return {
      hash,
      size,
      head,
      commit: async (namespace: string) => {
        if (done) return;
        await this.upload(this.keyOf(namespace, hash), file, size);
        await rm(file, { force: true });
        done = true;
      },
      discard: async () => {
        if (!done) await rm(file, { force: true });
        done = true;
      },
    };
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /** Writes `file` under `key` unless the key exists (write-once). */
  private async upload(key: string, file: string, size: number): Promise<void> {
    if (await this.exists(key)) return;
    const condition = this.conditionalWrites ? { IfNoneMatch: '*' } : {};
    try {
      if (size > this.multipartThreshold) await this.multipart(key, file, size, condition);
      else await this.client.send(new (sdk().PutObjectCommand)({ Bucket: this.bucket, Key: key, Body: createReadStream(file), ContentLength: size, ...condition }));
    } catch (err) {
      // 412: written meanwhile by another process (same hash, same content). 409: a concurrent
      // conditional write is in progress; it writes the same content.
      if (status(err) === 412 || status(err) === 409 || errName(err) === 'PreconditionFailed') return;
      if (this.conditionalWrites && isNotImplemented(err)) {
        this.conditionalWrites = false;
        return this.upload(key, file, size);
      }
      throw err;
    }
  }

  private async multipart(key: string, file: string, size: number, condition: { IfNoneMatch?: string }): Promise<void> {
    const { UploadId } = await this.client.send(new (sdk().CreateMultipartUploadCommand)({ Bucket: this.bucket, Key: key }));
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let start = 0, n = 1; start < size; start += this.partSize, n++) {
        const end = Math.min(start + this.partSize, size) - 1;
        const res = await this.client.send(
          new (sdk().UploadPartCommand)({ Bucket: this.bucket, Key: key, UploadId, PartNumber: n, Body: createReadStream(file, { start, end }), ContentLength: end - start + 1 }),
        );
        parts.push({ ETag: res.ETag!, PartNumber: n });
      }
      await this.client.send(new (sdk().CompleteMultipartUploadCommand)({ Bucket: this.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts }, ...condition }));
    } catch (err) {
      await this.client.send(new (sdk().AbortMultipartUploadCommand)({ Bucket: this.bucket, Key: key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  open(namespace: string, hash: string, range?: { start: number; end: number }): Readable {
    const key = this.keyOf(namespace, hash);
    const out = new PassThrough();
    const abort = new AbortController();
    out.once('close', () => abort.abort());
    this.client
      .send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }), { abortSignal: abort.signal })
      .then(async (res) => {
        const body = res.Body as Readable;
        await (range ? pipeline(body, out) : pipeline(body, rehash(hash), out));
      })
      .catch((err) => {
        if (isMissing(err)) err = Object.assign(new Error(`stored file missing: ${key}`), { code: 'ENOENT' });
        out.destroy(err as Error);
      });
    return out;
  }

  async size(namespace: string, hash: string): Promise<number | undefined> {
    try {
      const res = await this.client.send(new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.keyOf(namespace, hash) }));
      return res.ContentLength;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async verify(namespace: string, hash: string): Promise<'ok' | 'missing' | 'corrupted'> {
    let body: Readable;
    try {
      body = (await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.keyOf(namespace, hash) }))).Body as Readable;
    } catch (err) {
      if (isMissing(err)) return 'missing';
      throw err;
    }
    const sha = createHash('sha256');
    await pipeline(body, sha);
    return sha.digest('hex') === hash ? 'ok' : 'corrupted';
  }

  async list(): Promise<Array<{ namespace: string; hash: string }>> {
    const out: Array<{ namespace: string; hash: string }> = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new (sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: this.listPrefix, ContinuationToken: token, MaxKeys: this.listPageSize }));
      for (const o of page.Contents ?? []) {
        const parts = o.Key!.slice(this.listPrefix.length).split('/');
        if (parts.length !== 4) continue; // not a blob (something else under the prefix)
        const [namespace, a, b, hash] = parts as [string, string, string, string];
        if (NAMESPACE.test(namespace) && HASH.test(hash) && a === hash.slice(0, 2) && b === hash.slice(2, 4)) out.push({ namespace, hash });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out; // ListObjectsV2 returns keys in UTF-8 binary order: by namespace, then hash
  }

  async remove(namespace: string, hash: string): Promise<void> {
    await this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: this.keyOf(namespace, hash) }));
  }

  /**
   * Removes local temporary files of processes that are gone (or older than a day), and aborts
   * multipart uploads under the prefix started more than a day ago (a crash mid-commit); a
   * server without ListMultipartUploads (s3rver), or an account without the right, is skipped.
   * Nothing under a final key is touched: a key exists only once its upload completed.
   */
  async cleanTemporary(): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - this.abandonedAfterMs;
    const started = Date.now() - process.uptime() * 1000;
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const file = path.join(this.tmpDir, name);
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      const mtime = (await stat(file).catch(() => undefined))?.mtimeMs ?? 0;
      // This process's own uploads in progress (a file of an earlier process with the same pid,
      // pid 1 in a container, predates this one's start); another live process's recent ones.
      if (pid === process.pid && mtime >= started) continue;
      if (pid && pid !== process.pid && alive(pid) && mtime > cutoff) continue;
      await rm(file, { force: true });
      removed++;
    }
    try {
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await this.client.send(new (sdk().ListMultipartUploadsCommand)({ Bucket: this.bucket, Prefix: this.listPrefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const u of page.Uploads ?? []) {
          if (u.Initiated && u.Initiated.getTime() > cutoff) continue;
          await this.client.send(new (sdk().AbortMultipartUploadCommand)({ Bucket: this.bucket, Key: u.Key!, UploadId: u.UploadId! }));
          removed++;
        }
        [keyMarker, uploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
      } while (keyMarker);
    } catch (err) {
      // Not offered (s3rver) or not granted to this account: abandoned parts then wait for the
      // bucket's lifecycle rule. A missing bucket or bad credentials still stop the start.
      if (!isNotImplemented(err) && status(err) !== 403) throw err;
    }
    return removed;
  }

  /** Closes the HTTP connections (tests and CLI commands that end). */
  destroy(): void {
    this.client.destroy();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Passes the bytes through and fails at the end when their SHA-256 is not `hash`. */
function rehash(hash: string): Transform {
  const sha = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      done(sha.digest('hex') === hash ? null : new BlobHashMismatchError(`stored file does not match its hash ${hash}`));
    },
  });
}
