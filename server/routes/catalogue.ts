import { Router, type Request } from 'express';
import { z } from 'zod';
import type { CatalogueItem } from '../catalogue/index.js';
import { DOMAINS, EXTENSIONS, LAYER_CODES, LEVELS, OBJECT_CATEGORIES, SETS, WEIGHTS } from '../catalogue/schema.js';
import { NotFoundError } from '../errors.js';
import { deps, requireCaller } from '../http/request.js';
import { validate } from '../http/validate.js';
import { arrayPage } from '../database/keyset.js';
import { pageFields, pageRequest, sendArray, sendPage } from '../http/pagination.js';

export const catalogueRouter = Router();

const level = z.coerce.number().int().min(Math.min(...LEVELS)).max(Math.max(...LEVELS));
const lang = z.string().optional();
export const itemsQuery = z.strictObject({
  level: level.optional(),
  set: z.enum(SETS).optional(),
  layer: z.enum(LAYER_CODES).optional(),
  domain: z.enum(DOMAINS).optional(),
  controlPoint: z.string().trim().min(1).max(64).optional(),
  objectCategory: z.enum(OBJECT_CATEGORIES).optional(),
  weight: z.enum(WEIGHTS).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  /** The older page-number form; `cursor` is the convention (see pagination.ts). */
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  lang,
  ...pageFields,
});

export const itemParams = z.object({ code: z.string().max(16) });
export const structureQuery = z.strictObject({ level, set: z.enum(SETS).default('general'), lang });
export const highRiskQuery = z.strictObject({ level: z.coerce.number().int().min(1).max(4).optional(), set: z.enum(EXTENSIONS).optional(), lang, ...pageFields });

const catalogue = (req: Request) => {
  requireCaller(req);
  return deps(req).catalogue;
};

const withCases = (req: Request, item: CatalogueItem) => ({ ...item, highRiskCases: deps(req).catalogue.highRiskCaseIds(item.code) });

catalogueRouter.get('/catalogue/items', (req, res) => {
  const cat = catalogue(req);
  const q = validate(req, itemsQuery, 'query');
  const { page, pageSize, cursor: _c, lang: _lang, ...filter } = q;
  const all = cat.query(filter);
  if (page !== undefined && q.cursor === undefined) {
    res.setHeader('X-Total-Count', String(all.length));
    res.json({ data: all.slice((page - 1) * pageSize, page * pageSize).map((i) => withCases(req, i)), meta: { total: all.length, page, pageSize, catalogueVersion: cat.version } });
    return;
  }
  const one = arrayPage(all, pageRequest(req, q, ['position']));
  sendPage(req, res, { ...one, rows: one.rows.map((i) => withCases(req, i)) }, { meta: { total: all.length, pageSize, catalogueVersion: cat.version } });
});

catalogueRouter.get('/catalogue/items/:code', (req, res) => {
  const cat = catalogue(req);
  const { code } = validate(req, itemParams, 'params');
  const item = cat.byCode.get(code.toUpperCase());
  if (!item) throw new NotFoundError({ resource: 'catalogue_item', id: code });
  const cases = cat.highRiskCases.filter((c) => c.units.includes(item.code));
  res.json({ ...item, highRiskCases: cases.map((c) => ({ id: c.id, title: c.title, scope: c.scope, minLevel: c.minLevel })) });
});

catalogueRouter.get('/catalogue/structure', (req, res) => {
  const cat = catalogue(req);
  const q = validate(req, structureQuery, 'query');
  const layers = cat.structure(q.level, q.set);
  res.json({
    level: q.level,
    set: q.set,
    catalogueVersion: cat.version,
    items: layers.reduce((n, l) => n + l.items, 0),
    controlPoints: layers.reduce((n, l) => n + l.controlPoints.length, 0),
    layers,
  });
});

catalogueRouter.get('/catalogue/high-risk-cases', (req, res) => {
  const cat = catalogue(req);
  const q = validate(req, highRiskQuery, 'query');
  const data = cat.highRiskCases
    .filter((c) => (q.set === undefined || c.extension === q.set) && (q.level === undefined || c.minLevel <= q.level))
    .map((c) => (q.level === undefined ? c : { ...c, units: c.units.filter((u) => u.startsWith(`L${q.level}-`)) }));
  sendArray(req, res, data, q, { meta: { total: data.length, source: cat.highRiskSource, principles: cat.highRiskPrinciples } });
});
