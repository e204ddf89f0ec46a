import type { Knex } from 'knex';
import type { BlobStore } from '../storage/blob-store.js';

export interface VerifyReport {
  checked: number;
  problems: Array<{ organizationId: string; hash: string; state: 'missing' | 'corrupted'; evidence: string[] }>;
}

/** Re-hashes every registered evidence file (all organisations): the integrity check behind `dengbao evidence verify`. */
export async function verifyEvidenceFiles(knex: Knex, store: BlobStore): Promise<VerifyReport> {
  const blobs = await knex('evidence_blobs').select('organization_id', 'hash').orderBy(['organization_id', 'hash']);
  const problems: VerifyReport['problems'] = [];
  for (const b of blobs) {
    const state = await store.verify(b.organization_id, b.hash);
    if (state === 'ok') continue;
    const evidence = await knex('evidence_versions').where({ organization_id: b.organization_id, hash: b.hash }).distinct('evidence_id').pluck('evidence_id');
    problems.push({ organizationId: b.organization_id, hash: b.hash, state, evidence });
  }
  return { checked: blobs.length, problems };
}
