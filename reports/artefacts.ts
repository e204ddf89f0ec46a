import { PassThrough, Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Caller } from '../server/context.js';
import type { BlobStore } from '../server/storage/blob-store.js';
import { EvidencePackService, type ExtraFile } from './pack/build.js';
import { WorkbookService, XLSX_MEDIA_TYPE } from './workbook/service.js';

/**
 * Artefacts other than reports that go through the report queue and archive (reports table):
 * the evidence pack (zip), the record workbook (xlsx) and a workbook import's apply (its result,
 * the diff and counts, kept as JSON). Same lifecycle, same download with re-hash, same recovery.
 */
export const ARTEFACT_TYPES = ['evidence_pack', 'record_workbook', 'workbook_import'] as const;
export type ArtefactType = (typeof ARTEFACT_TYPES)[number];
export const ARTEFACT_FORMATS: Record<ArtefactType, string> = { evidence_pack: 'zip', record_workbook: 'xlsx', workbook_import: 'json' };
export const isArtefact = (type: string): type is ArtefactType => (ARTEFACT_TYPES as readonly string[]).includes(type);

/** A pack may hold every evidence file of an assessment: far above a report's bound. */
const MAX_ARTEFACT_BYTES = 64 * 1024 ** 3;

export interface BuiltArtefact {
  body: Readable;
  fileName: string;
  mediaType: string;
  maxBytes: number;
  /** Settles when `body` has been written whole (a pack streams while it is staged). */
  done: Promise<unknown>;
}

/**
 * The newest archived PDF and docx test reports go into the pack under report/ (the docx is the
 * editable document people sign), re-hashed with the evidence: a missing or corrupted report
 * refuses the whole pack.
 */
async function packExtraFiles(knex: Knex, store: BlobStore, assessmentId: string): Promise<ExtraFile[]> {
  const extra: ExtraFile[] = [];
  for (const format of ['pdf', 'docx'] as const) {
    const report = await knex('reports').where({ assessment_id: assessmentId, type: 'test_report', format, status: 'done' }).orderBy('finished_at', 'desc').first();
    if (!report) continue;
    extra.push({
      path: `report/${report.file_name}`,
      open: () => store.open(report.organization_id, report.hash),
      size: Number(report.size),
      title: report.file_name as string,
      mediaType: report.media_type as string,
      expectedHash: report.hash as string,
      check: () => store.verify(report.organization_id, report.hash),
    });
  }
  return extra;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Builds one artefact as the user who asked (scope checks included). Runs in the job. */
export async function buildArtefact(knex: Knex, caller: Caller, store: BlobStore, job: Record<string, any>): Promise<BuiltArtefact> {
  const ctx = { knex, caller };
  const type = job.type as ArtefactType;
  if (type === 'evidence_pack') {
    const pack = await new EvidencePackService(ctx, store).prepare(job.assessment_id, { extraFiles: await packExtraFiles(knex, store, job.assessment_id) });
    const body = new PassThrough();
    // write() destroys `body` on a failure, which fails the staging too.
    return { body, fileName: pack.fileName, mediaType: 'application/zip', maxBytes: MAX_ARTEFACT_BYTES, done: pack.write(body) };
  }
  if (type === 'record_workbook') {
    const { buffer, fileName } = await new WorkbookService(ctx).export(job.assessment_id, job.lang === 'en' ? 'en' : 'zh-CN');
    return { body: Readable.from([buffer]), fileName, mediaType: XLSX_MEDIA_TYPE, maxBytes: MAX_ARTEFACT_BYTES, done: Promise.resolve() };
  }
  // workbook_import: the uploaded file (kept in the store) applied all or nothing; the result is what the user sees.
  // A delivery after one that applied the workbook but died before archiving its result
  // returns the result kept with the apply: the workbook is applied once.
  // `job` is the row as this delivery read it (its result_data included).
  let json = (job.result_data as string | null | undefined) ?? undefined;
  if (json === undefined) {
    const input = await readAll(store.open(job.organization_id, job.input_hash));
    const result = await new WorkbookService(ctx).import(job.assessment_id, input, {
      dryRun: false,
      onApplied: async (trx, applied) => void (await trx('reports').where({ id: job.id }).update({ result_data: JSON.stringify(applied) })),
    });
    json = JSON.stringify(result);
  }
  return {
    body: Readable.from([Buffer.from(json, 'utf8')]),
    fileName: `workbook-import-${String(job.id).slice(0, 8)}.json`,
    mediaType: 'application/json',
    maxBytes: MAX_ARTEFACT_BYTES,
    done: Promise.resolve(),
  };
}
