import { Router, type Request } from 'express';
import { z } from 'zod';
import { LEVELS, SETS } from '../catalogue/schema.js';
import { AssessmentsService } from '../assessments/service.js';
import { SummaryService } from '../assessments/summary.js';
import { DeployedProductsService } from '../cloud/deployed.js';
import { PlatformsService } from '../cloud/platforms.js';
import { importedProducts } from '../cloud/imported-products.js';
import { productCatalogue } from '../cloud/products.js';
import { OrganizationScope } from '../context.js';
import { recommend } from '../cloud/recommendations.js';
import { deps, requireCaller, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { date, systemParams } from './systems.js';
import { pageFields, sendArray } from '../http/pagination.js';

export const cloudRouter = Router();

const products = (req: Request) => productCatalogue(deps(req).catalogue);
export const idParams = z.object({ id: fields.id });
const lang = z.string().optional();
const text = (max: number) => z.string().trim().min(1).max(max);
const code = z.string().regex(/^L\d-[A-Z]{3}\d-\d{2}$/, 'must be a test-unit code like L3-CES1-01');

export const productsQuery = z.strictObject({ vendor: z.string().max(50).optional(), category: z.string().max(50).optional(), unit: code.optional(), lang, ...pageFields });

cloudRouter.get('/products', async (req, res) => {
  const caller = requireCaller(req);
  const q = validate(req, productsQuery, 'query');
  // The catalogue's products, then those the caller's organisations imported from OSCAL.
  const own = await importedProducts(deps(req).db, new OrganizationScope(caller).organizationIds('read'));
  const base = products(req);
  const pc = { ...base, products: [...base.products, ...own.products], categories: [...base.categories, ...own.categories] };
  const unitCats = q.unit ? new Set(pc.categories.filter((c) => c.covers.some((x) => x.unit === q.unit)).map((c) => c.id)) : undefined;
  const data = pc.products.filter(
    (p) => (!q.vendor || p.vendor.id === q.vendor) && (!q.category || p.categories.includes(q.category)) && (!unitCats || p.categories.some((c) => unitCats.has(c))),
  );
  sendArray(req, res, data, q, { meta: { total: data.length, vendors: pc.vendors } });
});

export const categoriesQuery = z.strictObject({ unit: code.optional(), lang, ...pageFields });

cloudRouter.get('/products/categories', (req, res) => {
  requireCaller(req);
  const q = validate(req, categoriesQuery, 'query');
  const pc = products(req);
  const data = pc.categories
    .filter((c) => !q.unit || c.covers.some((x) => x.unit === q.unit))
    .map((c) => ({ ...c, products: pc.products.filter((p) => p.categories.includes(c.id)).map((p) => ({ id: p.id, vendor: p.vendor.id, name: p.name })) }));
  sendArray(req, res, data, q, { meta: { total: data.length, source: pc.source } });
});

cloudRouter.get('/systems/:id/deployed-products', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  sendArray(req, res, await new DeployedProductsService(serviceContext(req), products(req)).list(id));
});

export const postSystemsIdDeployedProductsBody = z.strictObject({ productId: text(100), since: date.nullable().optional(), notes: z.string().trim().max(1000).nullable().optional(), evidenceId: fields.id.nullable().optional() });
cloudRouter.post('/systems/:id/deployed-products', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const body = validate(req, postSystemsIdDeployedProductsBody);
  res.status(201).json(await new DeployedProductsService(serviceContext(req), products(req)).add(id, body));
});

cloudRouter.get('/assessments/:id/recommendations', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const gaps = await new SummaryService(serviceContext(req)).gaps(id);
  const pc = products(req);
  const coverable = new Set(pc.categories.flatMap((c) => c.covers.map((x) => x.unit)));
  const { recommendations, uncovered } = recommend(pc, gaps);
  sendArray(req, res, recommendations, undefined, { gaps: gaps.length, coverableGaps: gaps.filter((g) => coverable.has(g)).length, uncovered });
});

cloudRouter.post('/assessments/:id/inherit', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new AssessmentsService(serviceContext(req), deps(req).catalogue).inherit(id));
});

// ---- platforms ----
const platforms = (req: Request) => new PlatformsService(serviceContext(req), deps(req).catalogue);
const platformFields = {
  organizationId: fields.id.nullable().optional(),
  published: z.boolean().optional(),
  provider: text(100),
  product: text(200),
  deployment: text(200).nullable().optional(),
  region: text(100).nullable().optional(),
  level: z.number().int().min(1).max(5),
  reportNumber: text(64),
  assessingOrganization: text(200),
  conclusion: z.enum(['符合', '基本符合', '不符合', '优', '良', '中', '差']),
  testDate: date,
  validUntil: date.nullable().optional(),
  reportEvidenceId: fields.id.nullable().optional(),
};

cloudRouter.get('/platforms', async (req, res) => {
  sendArray(req, res, await platforms(req).list());
});

export const postPlatformsBody = z.strictObject(platformFields);
cloudRouter.post('/platforms', async (req, res) => {
  const body = validate(req, postPlatformsBody);
  res.status(201).json(await platforms(req).create(body));
});

cloudRouter.get('/platforms/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await platforms(req).get(id));
});

const { organizationId: _o, ...platformPatchFields } = platformFields;
export const patchPlatformsIdBody = z.strictObject(platformPatchFields).partial();
cloudRouter.patch('/platforms/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, patchPlatformsIdBody);
  res.json(await platforms(req).update(id, body));
});

export const responsibilitiesQuery = z.strictObject({ level: z.coerce.number().int().min(Math.min(...LEVELS)).max(Math.max(...LEVELS)).optional(), set: z.enum(SETS).optional(), lang, ...pageFields });

cloudRouter.get('/platforms/:id/responsibilities', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, responsibilitiesQuery, 'query');
  sendArray(req, res, await platforms(req).responsibilities(id, q.level, q.set), q);
});

export const putPlatformsIdResponsibilitiesBody = z.strictObject({
  entries: z
    .array(z.strictObject({ code, responsibility: z.enum(['provider', 'shared', 'tenant']), platformResult: z.enum(['conform', 'partial', 'nonconform', 'na']).nullable().optional(), note: z.string().max(500).nullable().optional() }))
    .min(1)
    .max(2000),
});
cloudRouter.put('/platforms/:id/responsibilities', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, putPlatformsIdResponsibilitiesBody);
  await platforms(req).putResponsibilities(id, body.entries);
  res.json({ data: await platforms(req).responsibilities(id) });
});
