import { Router, type Request } from 'express';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ReportsService } from '../../reports/jobs.js';
import { WORKBOOK_LIMITS } from '../../reports/workbook/archive.js';
import { WorkbookService } from '../../reports/workbook/service.js';
import { deps, serviceContext } from '../http/request.js';
import { registerWorkbookUpload } from '../storage/registry.js';
import { now } from '../util.js';
import { queueAndWait, reportsService, sendStoredFile } from './artefact-jobs.js';
import { readSmallUpload } from '../http/small-upload.js';
import { fields, validate } from '../http/validate.js';

export const workbookRouter = Router();

export const idParams = z.object({ id: fields.id });
const service = (req: Request) => new WorkbookService(serviceContext(req));

/** Reads the multipart part `file` into memory, with a hard cap (workbooks are small; 20 MB). */
export async function readWorkbookUpload(req: Request, maxBytes = WORKBOOK_LIMITS.maxBytes): Promise<Buffer> {
  return (await readSmallUpload(req, maxBytes)).file;
}

export const workbookLangQuery = z.strictObject({ lang: z.string().max(35).optional() });
// The field's workbooks are Chinese: English only when asked for (?lang=en / "lang": "en").
const workbookLang = (req: Request, lang: string | undefined) => (lang ? req.lang : 'zh-CN');

/**
 * The record workbook of an assessment (needs 'download'), built on the queue: waited for
 * (JOB_WAIT_SECONDS), then sent; still running (or `Prefer: respond-async`) → 202 with the job.
 * `?lang=en`: English sheets and labels; default Chinese.
 */
workbookRouter.get('/assessments/:id/workbook.xlsx', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { lang } = validate(req, workbookLangQuery, 'query');
  const done = await queueAndWait(req, res, id, 'record_workbook', { lang: workbookLang(req, lang) });
  if (done) await sendStoredFile(res, await done.service.download(done.view.id));
});

export const postAssessmentsIdWorkbookExportBody = z.strictObject({ lang: z.enum(['zh-CN', 'en']).default('zh-CN') });
/** Queues the record workbook: 202 with the job (poll GET /reports/:id, then download it). */
workbookRouter.post('/assessments/:id/workbook-export', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { lang } = validate(req, postAssessmentsIdWorkbookExportBody);
  const job = await reportsService(req).requestArtefact(id, 'record_workbook', { lang });
  res.status(202).location(`/api/v1/reports/${job.id}`).json(job);
});

export const postAssessmentsIdWorkbookQuery = z.strictObject({ dryRun: z.enum(['1', '0', 'true', 'false']).optional(), lang: z.string().optional() });
/**
 * Imports a record workbook (multipart field `file`). `?dryRun=1`: the diff only (parsed on the
 * parser thread). Otherwise the dry run refuses a bad file first (nothing is kept), then the file
 * is stored and its apply queued: the changed rows are applied all or nothing by the job; the
 * request waits for it (JOB_WAIT_SECONDS) and answers its result — or its problems (400),
 * conflicts (409) — as before; still running (or `Prefer: respond-async`) → 202 with the job,
 * whose download is the result (JSON) when done.
 */
workbookRouter.post('/assessments/:id/workbook', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, postAssessmentsIdWorkbookQuery, 'query');
  const svc = service(req);
  // 404 / 403 / 409 (read-only assessment) before the body is read.
  await svc.assertCanImport(id);
  const buffer = await readWorkbookUpload(req);
  const preview = await svc.import(id, buffer, { dryRun: true });
  if (q.dryRun === '1' || q.dryRun === 'true') return void res.json(preview);
  if (preview.problems.length || preview.conflicts.length || !preview.changed.length) {
    // Refused (or nothing to change): the apply gives the same answer at once, nothing is queued.
    return void res.json(await svc.import(id, buffer, { dryRun: false }));
  }
  const d = deps(req);
  const ctx = serviceContext(req);
  const organizationId = (await ctx.knex('assessments').where({ id }).first('organization_id')).organization_id as string;
  const staged = await d.store.stage(Readable.from([buffer]), buffer.length);
  await staged.commit(organizationId);
  // Registered like every stored file, so `evidence verify` and backups cover it.
  await registerWorkbookUpload(d.db, { organizationId, hash: staged.hash, size: buffer.length, assessmentId: id, userId: ctx.caller.userId, at: now() });
  const done = await queueAndWait(req, res, id, 'workbook_import', { lang: req.lang, inputHash: staged.hash });
  if (done) res.json(await importResult(done.service, done.view.id));
});

/** The stored result (diff, counts, applied) of a finished import job. */
export async function importResult(service: ReportsService, jobId: string): Promise<unknown> {
  const file = await service.download(jobId);
  const chunks: Buffer[] = [];
  for await (const c of file.open()) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
