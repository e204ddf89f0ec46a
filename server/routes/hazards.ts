import { Router } from 'express';
import { z } from 'zod';
import { HazardSuggestionsService } from '../assessments/hazard-suggestions.js';
import { HAZARD_STATUSES, HazardsService } from '../assessments/hazards.js';
import { TRIGGER_CODE, shippedTriggers } from '../catalogue/triggers.js';
import { serviceContext as ctx } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { date } from './systems.js';
import { sendArray } from '../http/pagination.js';

/** 重大风险隐患 of an assessment: list, suggestions from the findings, record, change, move status. */
export const hazardsRouter = Router();

export const idParams = z.object({ id: fields.id });
const reason = z.string().trim().max(5000).nullable().optional();
const hazardFields = {
  triggerCode: z.string().regex(TRIGGER_CODE, 'must be a trigger code like A-01'),
  findingIds: z.array(fields.id).min(1).max(100),
  description: z.string().trim().max(20000).nullable().optional(),
  principles: z.strictObject({ relevance: reason, severity: reason, prevalence: reason }).optional(),
};

/** The 32 triggers of appendix G table 1 with their source and the units they map to. */
hazardsRouter.get('/major-risk-triggers', (req, res) => {
  const t = shippedTriggers();
  sendArray(req, res, t.triggers, undefined, { version: t.version, source: t.source, confidence: t.confidence, principles: t.principles });
});

hazardsRouter.get('/assessments/:id/hazards', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await new HazardsService(ctx(req)).list(id));
});

hazardsRouter.get('/assessments/:id/hazards/suggestions', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await new HazardSuggestionsService(ctx(req)).suggest(id));
});

export const postAssessmentsIdHazardsBody = z.strictObject(hazardFields);
hazardsRouter.post('/assessments/:id/hazards', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.status(201).json(await new HazardsService(ctx(req)).create(id, validate(req, postAssessmentsIdHazardsBody)));
});

hazardsRouter.get('/hazards/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new HazardsService(ctx(req)).get(id));
});

export const patchHazardsIdBody = z.strictObject({ ...z.strictObject(hazardFields).partial().shape, rowVersion: z.number().int().min(1) });
hazardsRouter.patch('/hazards/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, patchHazardsIdBody);
  res.json(await new HazardsService(ctx(req)).update(id, body));
});

export const postHazardsIdTransitionsBody = z.strictObject({ to: z.enum(HAZARD_STATUSES), date: date.optional(), rowVersion: z.number().int().min(1) });
/** Moves the status one step: suspected → confirmed → remediated (or one step back), with the date. */
hazardsRouter.post('/hazards/:id/transitions', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postHazardsIdTransitionsBody);
  res.json(await new HazardsService(ctx(req)).transition(id, body));
});

hazardsRouter.delete('/hazards/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await new HazardsService(ctx(req)).remove(id);
  res.status(204).end();
});
