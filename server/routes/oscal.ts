import { Router } from 'express';
import { z } from 'zod';
import { buildAssessmentResults } from '../../reports/oscal/assessment-results.js';
import { buildCatalog } from '../../reports/oscal/catalog.js';
import { buildComponentDefinition } from '../../reports/oscal/component-definition.js';
import { PlatformsService } from '../cloud/platforms.js';
import { compareWithCatalogue, readCatalog } from '../../reports/oscal/catalog-import.js';
import { readComponentDefinition } from '../../reports/oscal/component-import.js';
import { readProductMappings } from '../../reports/oscal/product-import.js';
import { ImportedProductsService } from '../cloud/imported-products.js';
import { oscalValidator } from '../../reports/oscal/schema-check.js';
import { buildPoam } from '../../reports/oscal/poam.js';
import { readSmallUpload } from '../http/small-upload.js';
import { AssessmentSnapshotService } from '../assessments/oscal-snapshot.js';
import { buildProfile } from '../../reports/oscal/profile.js';
import { LEVELS, SETS } from '../catalogue/schema.js';
import { ValidationError } from '../errors.js';
import { deps, requireCaller, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const oscalRouter = Router();
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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
export const importQuery = z.strictObject({
  dryRun: z.enum(['1', 'true', '0', 'false']).optional(),
  /** Where a component-definition goes; absent: `platformId` → platform, `organizationId` → product, else the component types decide. */
  target: z.enum(['platform', 'product']).optional(),
  platformId: fields.id.optional(),
  /** The organisation whose products a vendor's component-definition becomes (target=product). */
  organizationId: fields.id.optional(),
});

/**
 * An OSCAL document (multipart `file`, JSON). A catalog exported by dengbao is read back and
 * compared with the catalogue (dry run only: the catalogue is data under controls/). A
 * component-definition becomes the responsibility matrix of `platformId`: matched by unit code or
 * control id; unmatched requirements are listed and, unless a dry run, nothing is imported while
 * any is left. With target=product (or organizationId, or when every component is software or
 * hardware) it becomes the organisation's own products instead: one per software / service /
 * hardware component, deployable on its systems; a re-import of the same document (uuid) replaces
 * them. A document failing the OSCAL schema → 400 with the first 50 errors by JSON path.
 */
oscalRouter.post('/oscal/import', async (req, res) => {
  requireCaller(req);
  const q = validate(req, importQuery, 'query');
  const dryRun = q.dryRun === '1' || q.dryRun === 'true';
  const platforms = new PlatformsService(serviceContext(req), deps(req).catalogue);
  const ownProducts = new ImportedProductsService(serviceContext(req));
  let target = q.target ?? (q.platformId ? 'platform' : q.organizationId ? 'product' : undefined);
  // 404 / 403 before the body is read.
  const platform = q.platformId && target !== 'product' ? await platforms.get(q.platformId) : undefined;
  if (platform && !dryRun) await platforms.assertCanWrite(platform.id);
  if (q.organizationId && target === 'product') ownProducts.assertCan(q.organizationId, !dryRun);
  const { file } = await readSmallUpload(req, IMPORT_MAX_BYTES);
  let doc: unknown;
  try {
    doc = JSON.parse(file.toString('utf8'));
  } catch (err) {
    throw new ValidationError({ location: 'file' }, [{ path: 'file', code: 'invalid_json', message: (err as Error).message }]);
  }
  const model = doc && typeof doc === 'object' && !Array.isArray(doc) ? (['catalog', 'component-definition'] as const).find((m) => m in doc) : undefined;
  if (!model) throw new ValidationError({ location: 'file' }, [{ path: 'file', code: 'unsupported_oscal_model', message: 'must be an OSCAL catalog or component-definition' }]);
  // The schema's messages in the user's language (ajv-i18n: zh for zh-CN, else English).
  const errors = oscalValidator(model === 'catalog' ? 'catalog' : 'component').validate(doc, 50, req.lang);
  if (errors.length) throw new ValidationError({ location: 'file' }, errors.map((e) => ({ path: e.path, code: 'oscal_schema', message: e.message })));
  if (model === 'catalog') {
    if (!dryRun) throw new ValidationError({ location: 'query' }, [{ path: 'query.dryRun', code: 'dry_run_only', message: 'a catalog is compared with the catalogue, never applied: dryRun=1' }]);
    const read = readCatalog(doc as Record<string, unknown>);
    const differences = compareWithCatalogue(deps(req).catalogue, read);
    res.json({ model, dryRun: true, applied: false, units: read.units.length, differenceCount: differences.length, differences: differences.slice(0, 500) });
    return;
  }
  const components = ((doc as Json)['component-definition'].components ?? []) as Json[];
  // Software and hardware are products; a service may be either, so a platform unless said otherwise.
  target ??= components.length && components.every((c) => c.type === 'software' || c.type === 'hardware') ? 'product' : 'platform';
  if (target === 'product') {
    if (!q.organizationId) throw new ValidationError({ location: 'query' }, [{ path: 'query.organizationId', code: 'required', message: 'the organisation whose products these are' }]);
    ownProducts.assertCan(q.organizationId, !dryRun);
    const read = readProductMappings(deps(req).catalogue, doc as Json);
    if (!dryRun) {
      const problems = [
        ...read.unmatched.map((u) => ({ path: u.path, code: u.reason, message: `${u.controlId}: no unit or control of the catalogue` })),
        ...(read.products.length ? [] : [{ path: 'file', code: 'no_product_component', message: 'no component of type software, service or hardware' }]),
        ...(read.products.some((p) => p.covers.length) ? [] : [{ path: 'file', code: 'nothing_matched', message: 'no requirement matched a unit' }]),
      ];
      if (problems.length) throw new ValidationError({ location: 'file' }, problems.slice(0, 50));
    }
    const written = dryRun ? undefined : await ownProducts.replace(q.organizationId, read);
    res.json({
      model,
      target,
      dryRun,
      applied: !dryRun,
      organizationId: q.organizationId,
      document: read.document,
      products: read.products.map((p) => ({ ...p, units: p.covers.length, covers: p.covers.slice(0, 2000) })),
      units: new Set(read.products.flatMap((p) => p.covers.map((c) => c.code))).size,
      skipped: read.skipped,
      unmatched: read.unmatched,
      ...(written ? { replaced: written.replaced } : {}),
    });
    return;
  }
  if (!platform) throw new ValidationError({ location: 'query' }, [{ path: 'query.platformId', code: 'required', message: 'the platform whose responsibility matrix this is' }]);
  const { entries, unmatched } = readComponentDefinition(deps(req).catalogue, doc as Record<string, unknown>, platform.level);
  if (!dryRun) {
    const problems = [
      ...unmatched.map((u) => ({ path: u.path, code: u.reason, message: `${u.controlId}: no unit or control of level ${platform.level} (or no responsibility prop)` })),
      ...(entries.length ? [] : [{ path: 'file', code: 'nothing_matched', message: 'no requirement matched a unit' }]),
    ];
    if (problems.length) throw new ValidationError({ location: 'file' }, problems.slice(0, 50));
    await platforms.putResponsibilities(platform.id, entries);
  }
  res.json({ model, target, dryRun, applied: !dryRun, platformId: platform.id, units: entries.length, unmatched, entries: entries.slice(0, 2000) });
});
