import { Router } from 'express';
import { z } from 'zod';
import { buildAssessmentResults } from '../../reports/oscal/assessment-results.js';
import { buildCatalog } from '../../reports/oscal/catalog.js';
import { buildPoam } from '../../reports/oscal/poam.js';
import { AssessmentSnapshotService } from '../assessments/oscal-snapshot.js';
import { buildProfile } from '../../reports/oscal/profile.js';
import { LEVELS, SETS } from '../catalogue/schema.js';
import { ValidationError } from '../errors.js';
import { deps, requireCaller, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const oscalRouter = Router();

const level = z.coerce.number().int().min(Math.min(...LEVELS)).max(Math.max(...LEVELS));
/** `sets=general,cloud`; absent: every requirement set the level has. */
const sets = z
  .string()
  .max(100)
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(SETS)).min(1).max(SETS.length));
export const catalogueQuery = z.strictObject({ level, sets: sets.optional() });
export const profileQuery = catalogueQuery;

function selection(req: Parameters<typeof validate>[0], schema: typeof catalogueQuery) {
  requireCaller(req);
  const q = validate(req, schema, 'query');
  const catalogue = deps(req).catalogue;
  const chosen = SETS.filter((s) => (q.sets ?? SETS).includes(s) && catalogue.query({ level: q.level, set: s }).length);
  if (!chosen.length) throw new ValidationError({ location: 'query' }, [{ path: 'query.sets', code: 'empty_selection', message: `no requirement set of level ${q.level} selected` }]);
  return { catalogue, selection: { level: q.level, sets: chosen } };
}

oscalRouter.get('/oscal/catalog', (req, res) => {
  const { catalogue, selection: s } = selection(req, catalogueQuery);
  res.json(buildCatalog(catalogue, s, new Date()));
});

oscalRouter.get('/oscal/profile', (req, res) => {
  const { catalogue, selection: s } = selection(req, profileQuery);
  res.json(buildProfile(catalogue, s, new Date(), `${req.baseUrl}/oscal/catalog`));
});

// ---- an assessment's results and remediation plan ----
export const assessmentParams = z.object({ id: fields.id });
const snapshot = (req: Parameters<typeof validate>[0]) => {
  const { id } = validate(req, assessmentParams, 'params');
  return new AssessmentSnapshotService(serviceContext(req), deps(req).catalogue).load(id);
};

oscalRouter.get('/assessments/:id/oscal/assessment-results', async (req, res) => {
  res.json(buildAssessmentResults(deps(req).catalogue, await snapshot(req)));
});

oscalRouter.get('/assessments/:id/oscal/poam', async (req, res) => {
  res.json(buildPoam(await snapshot(req)));
});
