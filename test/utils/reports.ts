import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../server/storage/blob-store.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import type { TestDatabase } from './database.js';

/**
 * An archived PDF test report as the report job leaves it (the file stored, then registered on
 * its `done` row), without printing one through Chromium. Returns the report id.
 */
export async function archivedReport(db: TestDatabase, assessmentId: string, body: Buffer, fileName = 'test-report.pdf', store: BlobStore = new FsBlobStore(path.join(db.dataDir, 'evidence'))): Promise<string> {
  const a = await db.knex('assessments').where({ id: assessmentId }).first();
  const staged = await store.stage(Readable.from([body]), 64 * 1024 * 1024);
  await staged.commit(a.organization_id);
  const requester = await db.knex('memberships').where({ organization_id: a.organization_id }).first();
  const at = new Date().toISOString();
  const id = randomUUID();
  await db.knex('reports').insert({
    id, organization_id: a.organization_id, assessment_id: assessmentId, assessment_revision: a.revision, type: 'test_report', format: 'pdf', lang: 'zh-CN',
    status: 'done', progress: 100, file_name: fileName, media_type: 'application/pdf', hash: staged.hash, size: staged.size, generator: 'dengbao test',
    requested_by: requester.user_id, requested_at: at, finished_at: at,
  });
  return id;
}
