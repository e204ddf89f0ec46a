import { Router } from 'express';
import { z } from 'zod';
import { buildAssessmentResults } from '../../reports/oscal/assessment-results.js';
import { buildCatalog } from '../../reports/oscal/catalog.js';
import { buildComponentDefinition } from '../../reports/oscal/component-definition.js';
import { PlatformsService } from '../cloud/platforms.js';
import { compareWithCatalogue, readCatalog } from '../../reports/oscal/catalog-import.js';
import { oscalValidator } from '../../reports/oscal/json-schema.js';
import { buildPoam } from '../../reports/oscal/poam.js';
import { readSmallUpload } from '../http/small-upload.js';
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
export const idParams = z.object({ id: fields.id });
const snapshot = (req: Parameters<typeof validate>[0]) => {
  const { id } = validate(req, idParams, 'params');
  return new AssessmentSnapshotService(serviceContext(req), deps(req).catalogue).load(id);
};

oscalRouter.get('/assessments/:id/oscal/assessment-results', async (req, res) => {
  res.json(buildAssessmentResults(deps(req).catalogue, await snapshot(req)));
});

oscalRouter.get('/assessments/:id/oscal/poam', async (req, res) => {
  res.json(buildPoam(await snapshot(req)));
});

// ---- a cloud platform's responsibility matrix ----
oscalRouter.get('/platforms/:id/oscal/component-definition', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const service = new PlatformsService(serviceContext(req), deps(req).catalogue);
  const platform = await service.get(id);
  const matrix = await service.responsibilities(id, platform.level);
  res.json(buildComponentDefinition(deps(req).catalogue, platform, matrix, `${req.baseUrl}/oscal/catalog`));
});

// ---- import ----
const IMPORT_MAX_BYTES = 10 * 1024 * 1024;
/** `dryRun=1` is required: a catalog is compared with the catalogue (data under controls/), never written over it. */
export const importQuery = z.strictObject({ dryRun: z.enum(['1', 'true']) });

/**
 * An OSCAL document (multipart `file`, JSON). A catalog exported by dengbao is read back and
 * compared with the catalogue: every changed field, unknown and missing unit. A document that
 * fails the OSCAL schema → 400 with the first 50 schema errors by JSON path. Writes nothing.
 */
oscalRouter.post('/oscal/import', async (req, res) => {
  requireCaller(req);
  validate(req, importQuery, 'query');
  const { file } = await readSmallUpload(req, IMPORT_MAX_BYTES);
  let doc: unknown;
  try {
    doc = JSON.parse(file.toString('utf8'));
  } catch (err) {
    throw new ValidationError({ location: 'file' }, [{ path: 'file', code: 'invalid_json', message: (err as Error).message }]);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !('catalog' in doc)) {
    throw new ValidationError({ location: 'file' }, [{ path: 'file', code: 'unsupported_oscal_model', message: 'must be an OSCAL catalog: {"catalog": {…}}' }]);
  }
  const errors = oscalValidator('catalog').validate(doc, 50);
  if (errors.length) throw new ValidationError({ location: 'file' }, errors.map((e) => ({ path: e.path, code: 'oscal_schema', message: e.message })));
  const read = readCatalog(doc as Record<string, unknown>);
  const differences = compareWithCatalogue(deps(req).catalogue, read);
  res.json({ model: 'catalog', dryRun: true, applied: false, units: read.units.length, differenceCount: differences.length, differences: differences.slice(0, 500) });
});
