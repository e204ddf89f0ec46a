import { create as contentDisposition } from 'content-disposition';
import { Router, type Request, type Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { DOCUMENT_TYPES } from '../../reports/docx/lifecycle/data.js';
import { DOCUMENT_FORMATS, SystemDocumentsService } from '../../reports/docx/lifecycle/service.js';
import { ReportTemplatesService, TEMPLATE_MAX_BYTES } from '../../reports/docx/template/service.js';
import { ValidationError } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { readSmallUpload } from '../http/small-upload.js';
import { fields, validate } from '../http/validate.js';
import { sendArray } from '../http/pagination.js';

/** Word output: organisation templates and the lifecycle documents of a system (README "Word documents"). */
export const documentsRouter = Router();

export const idParams = z.object({ id: fields.id });
const templates = (req: Request) => new ReportTemplatesService(serviceContext(req), deps(req).store);
const documents = (req: Request) => new SystemDocumentsService(serviceContext(req), { store: deps(req).store, printer: deps(req).printer });

async function send(res: Response, file: { view: { mediaType: string; fileName: string; size: number; sha256: string }; open(): Readable }) {
  res.setHeader('Content-Type', file.view.mediaType);
  res.setHeader('Content-Disposition', contentDisposition(file.view.fileName));
  res.setHeader('Content-Length', String(file.view.size));
  res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(file.view.sha256, 'hex').toString('base64')}:`);
  await pipeline(file.open(), res);
}

// ---- organisation templates ----
documentsRouter.post('/organizations/:id/report-templates', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const svc = templates(req);
  // Refuse callers who may not upload before reading the body.
  svc.assertCanUpload(id);
  const upload = await readSmallUpload(req, TEMPLATE_MAX_BYTES);
  const name = (upload.fields.name ?? upload.clientName?.replace(/\.docx$/i, '') ?? '').trim();
  if (!name || name.length > 200) throw new ValidationError({}, [{ path: 'name', code: 'required', message: 'a template name (1–200 characters) is required' }]);
  res.status(201).json(await svc.upload(id, name, upload.file, upload.clientName));
});

documentsRouter.get('/organizations/:id/report-templates', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await templates(req).list(id));
});

documentsRouter.get('/report-templates/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await templates(req).get(id));
});

export const getReportTemplatesIdVersionsVersionDownloadParams = z.object({ id: fields.id, version: z.coerce.number().int().positive() });
documentsRouter.get('/report-templates/:id/versions/:version/download', async (req, res) => {
  const { id, version } = validate(req, getReportTemplatesIdVersionsVersionDownloadParams, 'params');
  const file = await templates(req).download(id, version);
  await send(res, { view: { ...file.view, mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }, open: file.open });
});

export const postSystemsIdDocumentsBody = z.strictObject({ type: z.enum(DOCUMENT_TYPES), format: z.enum(DOCUMENT_FORMATS).default('docx'), lang: z.enum(['zh-CN', 'en']).default('zh-CN'), year: z.number().int().min(2000).max(2100).optional() });
// ---- lifecycle documents of a system ----
documentsRouter.post('/systems/:id/documents', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  // `year`: which year's 保护工作方案 (default: the newest recorded); ignored by the other documents.
  const body = validate(req, postSystemsIdDocumentsBody);
  const doc = await documents(req).generate(id, body);
  res.status(201).location(`/api/v1/documents/${doc.id}/download`).json(doc);
});

documentsRouter.get('/systems/:id/documents', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await documents(req).list(id));
});

documentsRouter.get('/documents/:id/download', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await send(res, await documents(req).download(id));
});
