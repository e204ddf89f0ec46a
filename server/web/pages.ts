import { auditedLogin, auditedLogout } from '../audit/auth-events.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { LEVELS, SETS, type RequirementSet } from '../catalogue/schema.js';
import { productCatalogue } from '../cloud/products.js';
import { OrganizationScope } from '../context.js';
import { AppError } from '../errors.js';
import { deps, LANG_COOKIE, SESSION_COOKIE, serviceContext } from '../http/request.js';
import { issuesToDetails } from '../http/validate.js';
import { normaliseLanguage } from '../i18n.js';
import { LIFECYCLE_STATES, STATE_NAMES } from '../systems/lifecycle.js';
import { SystemsService } from '../systems/service.js';
import { requireCsrf } from './csrf.js';
import { landingAfterSignIn } from './landing.js';
import { backQuery, safeBack } from './redirect.js';
import { startSecondFactorStep, startSession } from './session-cookie.js';
import { dashboardView } from './dashboard.js';
import { ORG_COOKIE, renderPage, selectedOrganization, signedIn } from './render.js';
import { pageLinks, pageOfPage } from './paging.js';

/** Server-rendered pages (handlebars), sharing sessions, services and translations with the API. */
export const pagesRouter = Router();

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const stageName = (req: Request, s: string) => pick(req, STATE_NAMES[s as keyof typeof STATE_NAMES] ?? { zh: s, en: s });

pagesRouter.get('/login', (req, res) => {
  if (req.caller) return res.redirect(303, safeBack(req.query.back));
  renderPage(req, res, 'login', { title: req.t('ui.sign_in'), backQuery: backQuery(req) });
});

pagesRouter.post('/login', requireCsrf, async (req, res) => {
  const parsed = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(200) }).safeParse(req.body);
  const view = { title: req.t('ui.sign_in'), username: typeof req.body?.username === 'string' ? req.body.username : '', backQuery: backQuery(req) };
  if (!parsed.success) {
    const fieldErrors = Object.fromEntries(issuesToDetails(parsed.error.issues).map((d) => [d.path, d.message]));
    return renderPage(req, res, 'login', { ...view, fieldErrors }, 400);
  }
  try {
    const { auth } = deps(req);
    const result = await auditedLogin(req, res, parsed.data.username, () => auth.passwordStep(parsed.data.username, parsed.data.password, { ip: req.ip, userAgent: req.get('user-agent') }));
    if ('secondFactorFor' in result) {
      startSecondFactorStep(req, res, result.secondFactorFor);
      return renderPage(req, res, 'login', { ...view, mfaStep: true });
    }
    startSession(req, res, result);
    res.redirect(303, result.mustChangePassword ? '/account' : await landingAfterSignIn(deps(req).db, result.userId, req.query.back));
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return renderPage(req, res, 'login', { ...view, error: req.t(`errors.${err.code}`, err.params) }, err.status);
    throw err;
  }
});

pagesRouter.post('/logout', requireCsrf, async (req, res) => {
  const token = req.signedCookies?.[SESSION_COOKIE];
  if (typeof token === 'string' && token) await auditedLogout(req, res, token);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.redirect(303, '/login');
});

pagesRouter.get('/org', signedIn, (req, res) => {
  const to = typeof req.query.to === 'string' ? req.query.to : '';
  if (to && req.caller!.memberships.has(to)) res.cookie(ORG_COOKIE, to, { sameSite: 'lax', path: '/', httpOnly: true });
  else res.clearCookie(ORG_COOKIE, { path: '/' });
  res.redirect(303, safeBack(req.query.back));
});

pagesRouter.get('/lang', (req, res) => {
  const lang = normaliseLanguage(typeof req.query.to === 'string' ? req.query.to : undefined) ?? 'zh-CN';
  res.cookie(LANG_COOKIE, lang, { sameSite: 'lax', path: '/', maxAge: 365 * 86_400_000 });
  res.redirect(303, safeBack(req.query.back));
});

pagesRouter.get('/', signedIn, async (req, res) => {
  renderPage(req, res, 'dashboard', await dashboardView(req, serviceContext(req), selectedOrganization(req)));
});

const catalogueQuery = z.object({
  q: z.string().trim().max(200).optional().transform((v) => v || undefined),
  level: z.enum(['', ...LEVELS.map(String)]).optional().transform((v) => (v ? Number(v) : undefined)),
  set: z.enum(['', ...SETS]).optional().transform((v) => (v ? (v as RequirementSet) : undefined)),
  layer: z.string().max(3).optional().transform((v) => v || undefined),
  domain: z.string().max(20).optional().transform((v) => v || undefined),
  page: z.coerce.number().int().min(1).default(1),
  lang: z.string().optional(),
});

pagesRouter.get('/catalogue', signedIn, (req, res) => {
  const cat = deps(req).catalogue;
  const parsed = catalogueQuery.safeParse(req.query);
  const q = parsed.success ? parsed.data : { page: 1 } as z.infer<typeof catalogueQuery>;
  const all = cat.query({ q: q.q, level: q.level, set: q.set, layer: q.layer as never, domain: q.domain as never });
  const pageSize = 50;
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const page = Math.min(q.page, pages);
  const link = (p: number) => {
    const params = new URLSearchParams(Object.entries({ q: q.q, level: q.level, set: q.set, layer: q.layer, domain: q.domain }).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    params.set('page', String(p));
    return `/catalogue?${params}`;
  };
  renderPage(req, res, 'catalogue', {
    title: req.t('ui.catalogue'),
    nav: 'catalogue',
    ...q,
    total: all.length,
    page,
    pages,
    prev: page > 1 ? link(page - 1) : null,
    next: page < pages ? link(page + 1) : null,
    levels: LEVELS,
    sets: SETS.map((code) => ({ code, name: pick(req, cat.meta.sets[code] ?? { zh: code, en: code }) })),
    layers: cat.meta.layers.map((l) => ({ code: l.code, name: pick(req, l) })),
    domains: ['physical', 'network', 'device', 'application', 'management'],
    items: all.slice((page - 1) * pageSize, page * pageSize).map((i) => ({
      code: i.code,
      clause: i.clause,
      controlPoint: pick(req, i.controlPoint),
      text: pick(req, i.text),
      weight: pick(req, cat.meta.weights[i.weight]!),
      highRisk: cat.highRiskCaseIds(i.code).join(', '),
    })),
  });
});

pagesRouter.get('/catalogue/:code', signedIn, (req, res) => {
  const cat = deps(req).catalogue;
  const item = cat.byCode.get(String(req.params.code).toUpperCase());
  if (!item) return renderPage(req, res, 'catalogue', { title: req.t('ui.catalogue'), nav: 'catalogue', items: [], total: 0, page: 1, pages: 1 }, 404);
  const pc = productCatalogue(cat);
  const zh = req.lang === 'zh-CN';
  renderPage(req, res, 'catalogue-item', {
    title: item.code,
    nav: 'catalogue',
    item: {
      code: item.code,
      clause: item.clause,
      layerName: pick(req, item.layerName),
      controlPoint: pick(req, item.controlPoint),
      weight: pick(req, cat.meta.weights[item.weight]!),
      cloudResponsibility: pick(req, cat.meta.cloudResponsibility[item.cloudResponsibility]!),
      text: pick(req, item.text),
      textOther: zh ? item.text.en : item.text.zh,
      methods: item.test.methods.map((m) => pick(req, cat.meta.methods[m]!)),
      steps: item.test.steps.map((s) => pick(req, s)),
      evidence: zh ? item.test.evidence.zh : item.test.evidence.en,
    },
    cases: cat.highRiskCases.filter((c) => c.units.includes(item.code)).map((c) => ({ id: c.id, title: pick(req, c.title), scope: c.scope })),
    products: pc.categories.flatMap((c) =>
      c.covers
        .filter((x) => x.unit === item.code)
        .map((x) => ({ category: pick(req, c.name), coverage: x.coverage, how: pick(req, x.how), names: pc.products.filter((p) => p.categories.includes(c.id)).map((p) => `${pick(req, p.name)}（${pick(req, p.vendor.name)}）`) })),
    ),
  });
});

pagesRouter.get('/systems', signedIn, async (req, res) => {
  const status = LIFECYCLE_STATES.find((s) => s === req.query.status);
  const level = ['1', '2', '3', '4', '5'].includes(String(req.query.level)) ? Number(req.query.level) : undefined;
  const q = typeof req.query.q === 'string' && req.query.q.trim() ? req.query.q.trim().slice(0, 200) : undefined;
  const sort = req.query.sort === 'updatedAt' ? 'updatedAt' : undefined;
  const pageSize = 50;
  const { page, number } = pageOfPage(req, pageSize, ['string', 'uuid']);
  const result = await new SystemsService(serviceContext(req)).page({ status, level, q, sort, organizationId: selectedOrganization(req) }, page);
  const pages = Math.max(1, Math.ceil(result.total / pageSize));
  const links = pageLinks(req, result, number);
  renderPage(req, res, 'systems', {
    title: req.t('ui.systems'),
    nav: 'systems',
    canCreate: !!req.caller && new OrganizationScope(req.caller).organizationIds('manage').length > 0,
    status,
    level,
    stages: LIFECYCLE_STATES.map((key) => ({ key, label: stageName(req, key) })),
    levels: [1, 2, 3, 4, 5],
    page: Math.min(number, pages),
    pages,
    prev: links.prev,
    next: links.next,
    systems: result.rows.map((s) => ({ id: s.id, name: s.name, grading: s.grading?.notation ?? '—', stage: stageName(req, s.status), deployment: s.deployment })),
  });
});

