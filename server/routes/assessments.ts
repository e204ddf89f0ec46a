import { Router, type Request } from 'express';
import { z } from 'zod';
import { AssessmentsService, ASSESSMENT_KINDS, ASSESSMENT_STATUSES } from '../assessments/service.js';
import { FindingsService, REMEDIATION_STATUSES } from '../assessments/findings.js';
import { ObjectsService } from '../assessments/objects.js';
import { copyResultSchema, METHODS, RESULT_INPUT_VALUES, ResultsService } from '../assessments/results.js';
import { OutsideRowsService } from '../assessments/outside-rows.js';
import { SummaryService } from '../assessments/summary.js';
import { ASSESSABLE_OBJECT_CATEGORIES } from '../catalogue/schema.js';
import { RESULT_VALUES } from '../database/migrations/20261126E-assessments.js';
import { ValidationError } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { arrayPage } from '../database/keyset.js';
import { pageFields, pageQuery, pageRequest, sendPage } from '../http/pagination.js';
import { date, systemParams } from './systems.js';

export const assessmentsRouter = Router();

const ctx = serviceContext;
export const idParams = z.object({ id: fields.id });
const lang = z.string().optional();
const text = (max: number) => z.string().trim().min(1).max(max);

// ---- assessed objects ----
export const objectFields = {
  category: z.enum(ASSESSABLE_OBJECT_CATEGORIES),
  name: text(200),
  ip: text(100).nullable().optional(),
  model: text(200).nullable().optional(),
  version: text(100).nullable().optional(),
  location: text(200).nullable().optional(),
  importance: z.enum(['key', 'important', 'general']),
  selected: z.boolean().optional(),
  notes: z.string().trim().max(2000).nullable().optional(),
};
const objectBody = z.strictObject(objectFields);

assessmentsRouter.get('/systems/:id/objects', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const q = validate(req, pageQuery, 'query');
  sendPage(req, res, arrayPage(await new ObjectsService(ctx(req)).list(id), pageRequest(req, q, ['position'])));
});

export const postSystemsIdObjectsBody = z.union([objectBody, z.strictObject({ objects: z.array(objectBody).min(1).max(500) })]);
/** One object, or `{ objects: [...] }` to create many in one transaction. */
assessmentsRouter.post('/systems/:id/objects', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const body = validate(req, postSystemsIdObjectsBody);
  const created = await new ObjectsService(ctx(req)).create(id, 'objects' in body ? body.objects : [body]);
  res.status(201).json('objects' in body ? { data: created } : created[0]);
});

export const patchObjectsIdBody = z.strictObject(objectFields).partial();
assessmentsRouter.patch('/objects/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new ObjectsService(ctx(req)).update(id, validate(req, patchObjectsIdBody)));
});

assessmentsRouter.delete('/objects/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new ObjectsService(ctx(req)).remove(id));
});

// ---- assessments ----
const assessments = (req: Request) => new AssessmentsService(ctx(req), deps(req).catalogue);
export const assessmentFields = {
  scheme: z.string().max(32).optional(),
  assessingOrganization: text(200).nullable().optional(),
  assessingOrganizationCode: z.string().regex(/^\d{4}$/, 'must be 4 digits').nullable().optional(),
  reportNumber: z.string().trim().max(64).nullable().optional(),
  startDate: date.nullable().optional(),
  endDate: date.nullable().optional(),
};

export const listAssessmentsQuery = z.strictObject({ systemId: fields.id.optional(), organizationId: fields.id.optional(), status: z.enum(ASSESSMENT_STATUSES).optional(), kind: z.enum(ASSESSMENT_KINDS).optional(), lang, ...pageFields });

assessmentsRouter.get('/assessments', async (req, res) => {
  const q = validate(req, listAssessmentsQuery, 'query');
  const { pageSize: _s, cursor: _c, lang: _l, ...filter } = q;
  sendPage(req, res, await assessments(req).page(filter, pageRequest(req, q, ['string', 'uuid'])));
});

export const postAssessmentsBody = z.strictObject({ systemId: fields.id, kind: z.enum(ASSESSMENT_KINDS), retestOf: fields.id.optional(), ...assessmentFields });
assessmentsRouter.post('/assessments', async (req, res) => {
  const body = validate(req, postAssessmentsBody);
  if (body.startDate && body.endDate && body.endDate < body.startDate) {
    throw new ValidationError({}, [{ path: 'endDate', code: 'date_order', message: `must not be before startDate (${body.startDate})` }]);
  }
  res.status(201).json(await assessments(req).create(body));
});

assessmentsRouter.get('/assessments/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await assessments(req).get(id));
});

assessmentsRouter.patch('/assessments/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(
    req,
    z.strictObject({ ...assessmentFields, conclusionOverride: z.strictObject({ conclusion: text(32), reason: text(2000) }).nullable().optional() }),
  );
  res.json(await assessments(req).update(id, body));
});

export const postAssessmentsIdTransitionsBody = z.strictObject({ to: z.enum(ASSESSMENT_STATUSES) });
assessmentsRouter.post('/assessments/:id/transitions', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { to } = validate(req, postAssessmentsIdTransitionsBody);
  res.json(await assessments(req).transition(id, to));
});

assessmentsRouter.post('/assessments/:id/revisions', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.status(201).json(await assessments(req).revise(id));
});

// ---- results ----
const resultBody = {
  objectId: z.union([fields.id, z.literal('system')]).nullable().optional(),
  value: z.enum([...RESULT_INPUT_VALUES, 'not_assessed']),
  record: z.string().max(20000).nullable().optional(),
  methods: z.array(z.enum(METHODS)).max(3).optional(),
  rowVersion: z.number().int().min(1),
};
const codeField = z.string().regex(/^L\d-[A-Z]{3}\d-\d{2}$/, 'must be a test-unit code like L3-CES1-01');
const normaliseObject = <T extends { objectId?: string | null }>(r: T): T => ({ ...r, objectId: r.objectId === 'system' ? null : r.objectId });

export const resultsQuery = z.strictObject({
  layer: z.string().max(3).optional(),
  controlPoint: z.string().max(64).optional(),
  objectId: z.union([fields.id, z.literal('system')]).optional(),
  value: z.enum(RESULT_VALUES).optional(),
  code: codeField.optional(),
  unassessed: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  lang,
  ...pageFields,
});

assessmentsRouter.get('/assessments/:id/results', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, resultsQuery, 'query');
  const { pageSize: _s, cursor: _c, lang: _l, ...filter } = q;
  sendPage(req, res, await new ResultsService(ctx(req)).page(id, filter, pageRequest(req, q, ['number', 'number', 'uuid'])));
});

export const putAssessmentsIdResultsCodeParams = z.object({ id: fields.id, code: codeField });
export const putAssessmentsIdResultsCodeBody = z.strictObject(resultBody);
assessmentsRouter.put('/assessments/:id/results/:code', async (req, res) => {
  const { id, code } = validate(req, putAssessmentsIdResultsCodeParams, 'params');
  const body = normaliseObject(validate(req, putAssessmentsIdResultsCodeBody));
  res.json(await new ResultsService(ctx(req)).put(id, { ...body, code }));
});

export const postAssessmentsIdResultsBulkBody = z.strictObject({ results: z.array(z.strictObject({ code: codeField, ...resultBody })).min(1).max(5000) });
assessmentsRouter.post('/assessments/:id/results/bulk', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postAssessmentsIdResultsBulkBody);
  res.json({ data: await new ResultsService(ctx(req)).bulk(id, body.results.map(normaliseObject)) });
});

export const postAssessmentsIdResultsCodeCopyParams = z.object({ id: fields.id, code: codeField });
// Copy one object's result (value, record, methods) to other objects of the same category, in one transaction.
assessmentsRouter.post('/assessments/:id/results/:code/copy', async (req, res) => {
  const { id, code } = validate(req, postAssessmentsIdResultsCodeCopyParams, 'params');
  await new AssessmentsService(ctx(req)).loadWritable(id); // 404 / 403 before the body (400)
  res.json({ data: await new ResultsService(ctx(req)).copy(id, { code, ...validate(req, copyResultSchema) }) });
});

export const postAssessmentsIdResultsOutsideMappingBody = z.strictObject({ code: codeField, objectId: z.union([fields.id, z.literal('system')]).nullable().optional() });
// Rows outside the catalogue's default object mapping: the assessor adds or removes them.
assessmentsRouter.post('/assessments/:id/results/outside-mapping', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postAssessmentsIdResultsOutsideMappingBody);
  res.status(201).json(await new OutsideRowsService(ctx(req)).add(id, body.code, body.objectId === 'system' ? null : (body.objectId ?? null)));
});

export const deleteAssessmentsIdResultsCodeParams = z.object({ id: fields.id, code: codeField });
export const deleteAssessmentsIdResultsCodeQuery = z.strictObject({ objectId: z.union([fields.id, z.literal('system')]).optional() });
assessmentsRouter.delete('/assessments/:id/results/:code', async (req, res) => {
  const { id, code } = validate(req, deleteAssessmentsIdResultsCodeParams, 'params');
  const q = validate(req, deleteAssessmentsIdResultsCodeQuery, 'query');
  await new OutsideRowsService(ctx(req)).remove(id, code, q.objectId && q.objectId !== 'system' ? q.objectId : null);
  res.status(204).end();
});

export const summaryQuery = z.strictObject({ scheme: z.string().max(32).optional(), lang });

assessmentsRouter.get('/assessments/:id/summary', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, summaryQuery, 'query');
  res.json(await new SummaryService(ctx(req)).summary(id, q.scheme));
});

// ---- findings and remediation ----
const risk = z.enum(['high', 'medium', 'low']);
export const findingFields = {
  title: text(300),
  description: z.string().trim().max(20000).nullable().optional(),
  units: z.array(codeField).min(1).max(50),
  objects: z.array(z.union([fields.id, z.literal('system')])).max(200).optional(),
  threat: z.string().trim().max(5000).nullable().optional(),
  harm: z.string().trim().max(5000).nullable().optional(),
  risk,
  recommendation: z.string().trim().max(5000).nullable().optional(),
};

assessmentsRouter.get('/assessments/:id/findings', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, pageQuery, 'query');
  sendPage(req, res, await new FindingsService(ctx(req)).page(id, pageRequest(req, q, ['string', 'uuid'])));
});

export const postAssessmentsIdFindingsBody = z.union([z.strictObject({ fromResults: z.literal(true) }), z.strictObject(findingFields)]);
/** A finding by hand, or `{ fromResults: true }` to draft one per non-conforming unit without a finding. */
assessmentsRouter.post('/assessments/:id/findings', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postAssessmentsIdFindingsBody);
  const svc = new FindingsService(ctx(req));
  if ('fromResults' in body) res.status(201).json({ data: await svc.draftFromResults(id) });
  else res.status(201).json(await svc.create(id, body));
});

assessmentsRouter.patch('/findings/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(
    req,
    z.strictObject({
      ...Object.fromEntries(Object.entries(findingFields).map(([k, v]) => [k, v.optional()])),
      rowVersion: z.number().int().min(1),
      highRisk: z.strictObject({ action: z.enum(['confirm', 'dismiss']), reason: text(1000).optional() }).optional(),
      mitigation: z.strictObject({ measure: text(5000), riskAfter: risk, reason: text(1000) }).nullable().optional(),
    }),
  );
  res.json(await new FindingsService(ctx(req)).update(id, body as never));
});

assessmentsRouter.delete('/findings/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await new FindingsService(ctx(req)).remove(id);
  res.status(204).end();
});

assessmentsRouter.post('/findings/:id/remediation', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(
    req,
    z.strictObject({ owner: text(100).nullable().optional(), dueDate: date.nullable().optional(), status: z.enum(REMEDIATION_STATUSES), reason: text(1000).nullable().optional() }),
  );
  res.json(await new FindingsService(ctx(req)).remediate(id, body));
});
