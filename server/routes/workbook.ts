import { create as contentDisposition } from 'content-disposition';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { WORKBOOK_LIMITS } from '../../reports/workbook/archive.js';
import { WorkbookService, XLSX_MEDIA_TYPE } from '../../reports/workbook/service.js';
import { serviceContext } from '../http/request.js';
import { readSmallUpload } from '../http/small-upload.js';
import { fields, validate } from '../http/validate.js';

export const workbookRouter = Router();

export const idParams = z.object({ id: fields.id });
const service = (req: Request) => new WorkbookService(serviceContext(req));

/** Reads the multipart part `file` into memory, with a hard cap (workbooks are small; 20 MB). */
export async function readWorkbookUpload(req: Request, maxBytes = WORKBOOK_LIMITS.maxBytes): Promise<Buffer> {
  return (await readSmallUpload(req, maxBytes)).file;
}

export const exportQuery = z.strictObject({ lang: z.string().max(35).optional() });

/** The record workbook of an assessment (needs 'download'). `?lang=en`: English sheets and labels; default Chinese. */
workbookRouter.get('/assessments/:id/workbook.xlsx', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { lang } = validate(req, exportQuery, 'query');
  // The field's workbooks are Chinese: English only when asked for (?lang=en, normalised by the language middleware).
  const { buffer, fileName } = await service(req).export(id, lang ? req.lang : 'zh-CN');
  res.setHeader('Content-Type', XLSX_MEDIA_TYPE);
  res.setHeader('Content-Disposition', contentDisposition(fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Length', String(buffer.length));
  res.end(buffer);
});

export const postAssessmentsIdWorkbookQuery = z.strictObject({ dryRun: z.enum(['1', '0', 'true', 'false']).optional(), lang: z.string().optional() });
/**
 * Imports a record workbook (multipart field `file`). `?dryRun=1`: the diff only. Otherwise the
 * changed rows are applied all or nothing; problems → 400, conflicts → 409, nothing applied.
 */
workbookRouter.post('/assessments/:id/workbook', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, postAssessmentsIdWorkbookQuery, 'query');
  const svc = service(req);
  // 404 / 403 / 409 (read-only assessment) before the body is read.
  await svc.assertCanImport(id);
  const buffer = await readWorkbookUpload(req);
  res.json(await svc.import(id, buffer, { dryRun: q.dryRun === '1' || q.dryRun === 'true' }));
});
