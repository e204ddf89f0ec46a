import { Router, type Request } from 'express';
import { z } from 'zod';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { DataSurveyService, dataSurveySchema, dataSurveyXlsx } from '../systems/data-survey.js';
import { planContentSchema, ProtectionPlansService } from '../systems/protection-plans.js';
import { NotFoundError } from '../errors.js';
import { date, systemParams } from './systems.js';
import { sendArray } from '../http/pagination.js';

/** The 2025 filing's parts: the data survey (数据摸底调查表) and the yearly protection work plan (保护工作方案). */
export const filing2025Router = Router();

const surveys = (req: Request) => new DataSurveyService(serviceContext(req));
const plans = (req: Request) => new ProtectionPlansService(serviceContext(req));

filing2025Router.get('/systems/:id/filing/data-survey', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await surveys(req).get(id));
});

filing2025Router.put('/systems/:id/filing/data-survey', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await surveys(req).put(id, validate(req, dataSurveySchema)));
});

filing2025Router.get('/systems/:id/filing/data-survey.xlsx', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const s = await surveys(req).get(id);
  if (!s.survey) throw new NotFoundError({ resource: 'data_survey', id });
  res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(`data-survey-${id}.xlsx`).send(await dataSurveyXlsx(s.systemName, s.survey));
});

filing2025Router.get('/systems/:id/protection-plans', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  sendArray(req, res, await plans(req).list(id));
});

filing2025Router.get('/systems/:id/protection-plans/draft', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await plans(req).draft(id));
});

export const postSystemsIdProtectionPlansBody = z.strictObject({ year: z.number().int().min(2000).max(2100), content: planContentSchema.optional(), adoptedOn: date.nullable().optional() });
filing2025Router.post('/systems/:id/protection-plans', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const body = validate(req, postSystemsIdProtectionPlansBody);
  res.status(201).json(await plans(req).create(id, body));
});

export const patchSystemsIdProtectionPlansPidParams = z.object({ id: fields.id, pid: fields.id });
export const patchSystemsIdProtectionPlansPidBody = z.strictObject({ content: planContentSchema.optional(), adoptedOn: date.nullable().optional() });
filing2025Router.patch('/systems/:id/protection-plans/:pid', async (req, res) => {
  const { id, pid } = validate(req, patchSystemsIdProtectionPlansPidParams, 'params');
  const body = validate(req, patchSystemsIdProtectionPlansPidBody);
  res.json(await plans(req).update(id, pid, body));
});
