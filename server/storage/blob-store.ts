import type { Readable } from 'node:stream';

/** A file written to temporary storage and hashed, not yet visible under its hash. */
export interface StagedBlob {
  hash: string; // SHA-256, hex
  size: number;
  /** The first bytes of the content, for media-type sniffing. */
  head: Buffer;
  /** Moves the file into place under its hash in `namespace` (a no-op when the same content is already there). */
  commit(namespace: string): Promise<void>;
  /** Removes the temporary file. Safe to call more than once, and after commit. */
  discard(): Promise<void>;
}

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file larger than ${limit} bytes`);
  }
}

/**
 * Content-addressed storage of evidence files, one namespace per organisation (deduplication
 * stays inside an organisation, and an organisation's files can be found, backed up or removed
 * together). Two implementations: the local directory (FsBlobStore, the default) and an
 * S3-compatible bucket (S3BlobStore, EVIDENCE_STORE=s3://…); createBlobStore() in ./index.ts
 * picks one from the configuration. Stored blobs are write-once: a second commit of the same
 * content keeps the bytes already there.
 */
export interface BlobStore {
  /** Where the blobs are, for messages: a directory or `s3://bucket/prefix`. */
  readonly location: string;
  /** Streams `input` to a temporary file while hashing it; rejects with BlobTooLargeError past `maxBytes`. */
  stage(input: Readable, maxBytes: number): Promise<StagedBlob>;
  /**
   * Reads a stored blob, optionally a byte range (inclusive). A missing blob makes the stream
   * fail with an error whose code is ENOENT.
   */
  open(namespace: string, hash: string, range?: { start: number; end: number }): Readable;
  /** Size of a stored blob, or undefined when it is missing. */
  size(namespace: string, hash: string): Promise<number | undefined>;
  /** Re-hashes a stored blob: 'ok', 'missing' or 'corrupted'. */
  verify(namespace: string, hash: string): Promise<'ok' | 'missing' | 'corrupted'>;
  /** Removes leftovers of interrupted uploads. */
  cleanTemporary(): Promise<number>;
  /** Every stored blob (not temporary files), sorted by namespace then hash: for integrity checks and backups. */
  list(): Promise<Array<{ namespace: string; hash: string }>>;
  /** Deletes a stored blob. Only for undoing a failed restore: the services never delete. */
  remove(namespace: string, hash: string): Promise<void>;
}
