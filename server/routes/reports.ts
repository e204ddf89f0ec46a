import { Router } from 'express';
import { z } from 'zod';
import { REPORT_FORMATS, REPORT_TYPES } from '../../reports/jobs.js';
import { fields, validate } from '../http/validate.js';
import { sendArray } from '../http/pagination.js';
import { reportsService as service, sendStoredFile } from './artefact-jobs.js';

export const reportsRouter = Router();

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
  await sendStoredFile(res, await service(req).download(id));
});
