import type { Knex } from 'knex';
import type { BlobStore } from '../storage/blob-store.js';
import { registeredBlobs, type BlobKind } from '../storage/registry.js';

export interface VerifyReport {
  /** Registered files re-hashed (a hash registered under several kinds counts once per kind). */
  checked: number;
  byKind: Record<BlobKind, number>;
  problems: Array<{ kind: BlobKind; organizationId: string; hash: string; state: 'missing' | 'corrupted'; refs: string[] }>;
  /** Files in the store that no table registers (warnings: nothing points at them). */
  unregistered: Array<{ organizationId: string; hash: string }>;
}

/**
 * Re-hashes every registered stored file of every organisation — evidence, archived reports and
 * workbook-import uploads: the integrity check behind `dengbao evidence verify`.
 */
export async function verifyStoredFiles(knex: Knex, store: BlobStore): Promise<VerifyReport> {
  const blobs = await registeredBlobs(knex);
  const problems: VerifyReport['problems'] = [];
  const byKind: Record<BlobKind, number> = { evidence: 0, report: 0, workbook: 0 };
  const states = new Map<string, 'ok' | 'missing' | 'corrupted'>();
  for (const b of blobs) {
    byKind[b.kind]++;
    const key = `${b.organizationId}/${b.hash}`;
    let state = states.get(key);
    if (!state) states.set(key, (state = await store.verify(b.organizationId, b.hash)));
    if (state !== 'ok') problems.push({ kind: b.kind, organizationId: b.organizationId, hash: b.hash, state, refs: b.refs });
  }
  const unregistered: VerifyReport['unregistered'] = [];
  for (const s of await store.list()) if (!states.has(`${s.namespace}/${s.hash}`)) unregistered.push({ organizationId: s.namespace, hash: s.hash });
  return { checked: blobs.length, byKind, problems, unregistered };
}

