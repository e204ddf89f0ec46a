import type { Knex } from 'knex';

/** What a stored file is for: every blob the server writes is registered in one of these tables. */
export type BlobKind = 'evidence' | 'report' | 'workbook';

export interface RegisteredBlob {
  kind: BlobKind;
  organizationId: string;
  hash: string;
  size: number;
  /** The records that point at it: evidence ids, a report id, or the assessment a workbook was uploaded for. */
  refs: string[];
}

/**
 * Every registered blob: evidence files (evidence_blobs), archived reports (reports.hash of done
 * jobs) and workbook-import uploads (workbook_uploads). One content hash can appear under several
 * kinds (an evidence file that is also a report): each is listed, so each record is named.
 */
export async function registeredBlobs(knex: Knex): Promise<RegisteredBlob[]> {
  const out: RegisteredBlob[] = [];
  const evidence = await knex('evidence_blobs').select('organization_id', 'hash', 'size').orderBy(['organization_id', 'hash']);
  const versions = await knex('evidence_versions').distinct('organization_id', 'hash', 'evidence_id');
  const refs = new Map<string, string[]>();
  for (const v of versions) {
    const key = `${v.organization_id}/${v.hash}`;
    refs.set(key, [...(refs.get(key) ?? []), v.evidence_id]);
  }
  for (const b of evidence) out.push({ kind: 'evidence', organizationId: b.organization_id, hash: b.hash, size: Number(b.size), refs: (refs.get(`${b.organization_id}/${b.hash}`) ?? []).sort() });
  const reports = await knex('reports').where({ status: 'done' }).whereNotNull('hash').select('id', 'organization_id', 'hash', 'size').orderBy(['organization_id', 'hash', 'id']);
  for (const r of reports) out.push({ kind: 'report', organizationId: r.organization_id, hash: r.hash, size: Number(r.size), refs: [r.id] });
  const uploads = await knex('workbook_uploads').select('organization_id', 'hash', 'size', 'assessment_id').orderBy(['organization_id', 'hash']);
  for (const u of uploads) out.push({ kind: 'workbook', organizationId: u.organization_id, hash: u.hash, size: Number(u.size), refs: [u.assessment_id] });
  return out;
}

/** Records a workbook-import upload (idempotent: the same file uploaded twice is one row). */
export async function registerWorkbookUpload(knex: Knex, row: { organizationId: string; hash: string; size: number; assessmentId: string; userId: string; at: string }): Promise<void> {
  await knex('workbook_uploads')
    .insert({ organization_id: row.organizationId, hash: row.hash, size: row.size, assessment_id: row.assessmentId, uploaded_by: row.userId, uploaded_at: row.at })
    .onConflict(['organization_id', 'hash'])
    .ignore();
}
