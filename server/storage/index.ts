import path from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/**
 * The blob store the configuration names: DATA_DIR/evidence by default, or the S3-compatible
 * bucket of EVIDENCE_STORE=s3://bucket/prefix (uploads in progress then wait in DATA_DIR/upload-tmp).
 */
export function createBlobStore(config: Pick<Config, 'dataDir' | 'evidenceStore'>): BlobStore {
  const s = config.evidenceStore;
  if (s.kind === 's3') return new S3BlobStore(s, { tmpDir: path.join(config.dataDir, 'upload-tmp') });
  return new FsBlobStore(s.dir);
}

/** Releases what a store holds open (the S3 client's connections), for commands that end. */
export function closeBlobStore(store: BlobStore): void {
  if (store instanceof S3BlobStore) store.destroy();
}
