import { DOWNLOAD_CSP } from './evidence.js';
import { create as contentDisposition } from 'content-disposition';
import { Router, type Request } from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { REPORT_FORMATS, REPORT_TYPES, ReportsService } from '../../reports/jobs.js';
import { deps, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { asciiFileName } from '../../reports/file-name.js';
import { sendArray } from '../http/pagination.js';

export const reportsRouter = Router();

const service = (req: Request) => {
  const d = deps(req);
  return new ReportsService(serviceContext(req), { printer: d.printer, store: d.store, catalogue: d.catalogue, logger: req.log, jobs: d.jobs });
};
export const idParams = z.object({ id: fields.id });

export const postAssessmentsIdReportsBody = z.strictObject({ type: z.enum(REPORT_TYPES), format: z.enum(REPORT_FORMATS).default('pdf'), lang: z.enum(['zh-CN', 'en']).default('zh-CN'), templateId: fields.id.optional() });
reportsRouter.post('/assessments/:id/reports', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postAssessmentsIdReportsBody);
  const job = await service(req).request(id, body);
  res.status(202).location(`/api/v1/reports/${job.id}`).json(job);
});

reportsRouter.get('/assessments/:id/reports', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await service(req).list(id));
});

reportsRouter.get('/reports/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).get(id));
});

reportsRouter.get('/reports/:id/download', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const file = await service(req).download(id);
  res.setHeader('Content-Type', file.view.mediaType!);
  // UTF-8 name (RFC 5987 filename*, e.g. …-等级测评报告.pdf) with an ASCII fallback for old clients.
  res.setHeader('Content-Disposition', contentDisposition(file.view.fileName!, { fallback: asciiFileName(file.view.fileName!) }));
  res.setHeader('Content-Security-Policy', DOWNLOAD_CSP); // an HTML report is a download, sandboxed if opened
  res.setHeader('Content-Length', String(file.view.size));
  res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(file.view.sha256!, 'hex').toString('base64')}:`);
  await pipeline(file.open(), res);
});
