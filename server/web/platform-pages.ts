import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PlatformsService, responsibilityMatrix } from '../cloud/platforms.js';
import { can, OrganizationScope } from '../context.js';
import { AppError, NotFoundError, type ErrorDetail } from '../errors.js';
import { toAppError } from '../http/error-handler.js';
import { deps, serviceContext } from '../http/request.js';
import { patchPlatformsIdBody, postPlatformsBody, putPlatformsIdResponsibilitiesBody } from '../routes/cloud.js';
import { requireCsrf } from './csrf.js';
import { errorsByField, formSummary, parseFormWith, textFields } from './form-values.js';
import { detailText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';

/**
 * Cloud platforms and their responsibility matrices. A private platform is edited by its
 * organisation's officers, a published one by a system administrator only (the service decides;
 * the page asks it, through `assertCanWrite`, whether to show the forms). Publishing is offered
 * only to whoever `can` publish.
 */
export const platformPagesRouter = Router();

const CONCLUSIONS = ['符合', '基本符合', '不符合', '优', '良', '中', '差'] as const;
const RESPONSIBILITIES = ['provider', 'shared', 'tenant'] as const;
const PLATFORM_RESULTS = ['conform', 'partial', 'nonconform', 'na'] as const;
const TEXT_FIELDS = ['provider', 'product', 'deployment', 'region', 'level', 'reportNumber', 'assessingOrganization', 'conclusion', 'testDate', 'validUntil'] as const;

interface FailedPlatformForm {
  form: 'new' | 'edit' | 'matrix';
  values: Record<string, unknown>;
  error: string;
  fieldErrors: Record<string, string>;
  rowErrors?: Record<string, string>;
}

const platformId = (req: Request): string => {
  const parsed = z.uuid().safeParse(req.params.id);
  if (!parsed.success) throw new NotFoundError({ resource: 'platform', id: String(req.params.id) });
  return parsed.data;
};
const service = (req: Request) => new PlatformsService(serviceContext(req), deps(req).catalogue);
const choices = (req: Request, selected: unknown) => ({
  conclusions: CONCLUSIONS.map((c) => ({ value: c, label: req.t(`platform_admin.conclusion_${c}`), on: c === selected })),
  levels: [1, 2, 3, 4, 5].map((l) => ({ value: l, on: String(l) === String(selected ?? '') })),
});

/** The platform form's fields as the API takes them (a number for the level, null for a cleared optional text). */
function platformForm(req: Request): Record<string, unknown> {
  const b = textFields(req);
  const out: Record<string, unknown> = Object.fromEntries(TEXT_FIELDS.map((k) => [k, b[k]?.trim() ?? '']));
  if (out.level !== '' && /^\d+$/.test(String(out.level))) out.level = Number(out.level);
  return out;
}
const typedBack = (req: Request) => ({ ...textFields(req) });

async function canWrite(req: Request, id: string): Promise<boolean> {
  try {
    await service(req).assertCanWrite(id);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.status === 403) return false;
    throw err;
  }
}

async function renderList(req: Request, res: Response, failed?: FailedPlatformForm, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const platforms = await service(req).list();
  const withCounts = [];
  for (const p of platforms) {
    const matrix = await responsibilityMatrix(ctx.knex, deps(req).catalogue, p.id, p.level);
    const counts = { provider: 0, shared: 0, tenant: 0 };
    for (const m of matrix) counts[m.responsibility]++;
    withCounts.push({ ...p, counts, conclusionLabel: req.t(`platform_admin.conclusion_${p.conclusion}`, { defaultValue: p.conclusion }) });
  }
  const manageIds = new OrganizationScope(ctx.caller).organizationIds('manage');
  const organizations = manageIds.length ? await ctx.knex('organizations').whereIn('id', manageIds).orderBy('name').select('id', 'name') : [];
  const values = failed?.form === 'new' ? failed.values : {};
  renderPage(
    req,
    res,
    'platforms',
    {
      title: req.t('ui.platform'),
      nav: 'platforms',
      platforms: withCounts,
      can: { create: organizations.length > 0 || can(ctx.caller, 'platforms.publish'), publish: can(ctx.caller, 'platforms.publish') },
      organizations: organizations.map((o: { id: string; name: string }) => ({ ...o, on: o.id === values.organizationId })),
      values,
      ...choices(req, undefined),
      conclusions: choices(req, values.conclusion).conclusions,
      levels: choices(req, values.level ?? 3).levels,
      failed,
      P: req.t('platform_admin', { returnObjects: true }),
    },
    status,
  );
}

async function renderPlatform(req: Request, res: Response, id: string, failed?: FailedPlatformForm, status = 200): Promise<void> {
  const svc = service(req);
  const platform = await svc.get(id);
  const level = req.query.level === '4' ? 4 : 3;
  const all = await svc.responsibilities(platform.id, level);
  const page = Math.max(1, Number(req.query.page) || 1);
  const pageSize = 100;
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const link = (p: number) => `/platforms/${platform.id}?level=${level}&page=${p}`;
  const editable = await canWrite(req, id);
  const matrixTyped = failed?.form === 'matrix' ? failed.values : undefined;
  const catalogue = deps(req).catalogue;
  const matrix = all.slice((page - 1) * pageSize, page * pageSize).map((m) => {
    const responsibility = String(matrixTyped?.[`resp.${m.code}`] ?? m.responsibility);
    const result = matrixTyped ? String(matrixTyped[`result.${m.code}`] ?? '') : (m.platformResult ?? '');
    const unit = catalogue.byCode.get(m.code);
    return {
      ...m,
      controlPointLabel: req.lang === 'en' && unit ? unit.controlPoint.en : m.controlPoint,
      note: matrixTyped ? String(matrixTyped[`note.${m.code}`] ?? '') : (m.note ?? ''),
      responsibilities: RESPONSIBILITIES.map((r) => ({ value: r, label: req.t(`enum.responsibility_${r}`), on: r === responsibility })),
      results: PLATFORM_RESULTS.map((r) => ({ value: r, label: req.t(`enum.result_${r}`), on: r === result })),
      rowError: failed?.rowErrors?.[m.code],
    };
  });
  const details = failed?.form === 'edit' ? failed.values : platform;
  renderPage(
    req,
    res,
    'platform',
    {
      title: platform.product,
      nav: 'platforms',
      platform: { ...platform, conclusionLabel: req.t(`platform_admin.conclusion_${platform.conclusion}`, { defaultValue: platform.conclusion }) },
      details,
      ...choices(req, details.conclusion),
      levels: choices(req, details.level).levels,
      level,
      matrix,
      page,
      pages,
      prev: page > 1 ? link(page - 1) : null,
      next: page < pages ? link(page + 1) : null,
      matrixAction: `/platforms/${platform.id}/responsibilities?level=${level}&page=${page}`,
      can: { edit: editable, publish: can(serviceContext(req).caller, 'platforms.publish') },
      failed,
      saved: req.query.saved === '1',
      matrixSaved: req.query.matrix === 'saved',
      P: req.t('platform_admin', { returnObjects: true }),
    },
    status,
  );
}

platformPagesRouter.get('/platforms', signedIn, (req, res) => renderList(req, res));
platformPagesRouter.get('/platforms/:id', signedIn, (req, res) => renderPlatform(req, res, platformId(req)));

/** A 4xx from a platform form: the page again, with what was typed; 403/404 stay error pages. */
async function platformForm4xx(req: Request, res: Response, thrown: unknown, failed: Omit<FailedPlatformForm, 'error' | 'fieldErrors'>, render: (f: FailedPlatformForm, status: number) => Promise<void>) {
  const err = thrown instanceof AppError ? thrown : toAppError(thrown);
  if (err.status >= 500 || err.status === 403 || err.status === 404) throw thrown;
  await render({ ...failed, error: formSummary(req, err), fieldErrors: errorsByField(req, err.details) }, err.status);
}

platformPagesRouter.post('/platforms', signedIn, requireCsrf, async (req, res) => {
  const b = textFields(req);
  try {
    const input = parseFormWith(req, postPlatformsBody, { ...platformForm(req), organizationId: b.organizationId || undefined, published: b.published === '1' ? true : undefined });
    const created = await service(req).create(input);
    res.redirect(303, `/platforms/${created.id}`);
  } catch (thrown) {
    await platformForm4xx(req, res, thrown, { form: 'new', values: typedBack(req) }, (f, s) => renderList(req, res, f, s));
  }
});

platformPagesRouter.post('/platforms/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const id = platformId(req);
  const b = textFields(req);
  try {
    const patch = parseFormWith(req, patchPlatformsIdBody, { ...platformForm(req), published: b.published === undefined ? undefined : b.published === '1' }, ['deployment', 'region', 'validUntil']);
    await service(req).update(id, patch);
    res.redirect(303, `/platforms/${id}?saved=1`);
  } catch (thrown) {
    await platformForm4xx(req, res, thrown, { form: 'edit', values: typedBack(req) }, (f, s) => renderPlatform(req, res, id, f, s));
  }
});

/** The rows of one page of the matrix, as entries of `PUT /api/v1/platforms/:id/responsibilities`. */
platformPagesRouter.post('/platforms/:id/responsibilities', signedIn, requireCsrf, async (req, res) => {
  const id = platformId(req);
  const b = textFields(req);
  const codes = Object.keys(b).filter((k) => k.startsWith('resp.')).map((k) => k.slice(5));
  try {
    await service(req).assertCanWrite(id); // 404 / 403 before the rows are judged
    const entries = codes.map((code) => ({ code, responsibility: b[`resp.${code}`], platformResult: b[`result.${code}`] || null, note: b[`note.${code}`]?.trim() || null }));
    const body = parseFormWith(req, putPlatformsIdResponsibilitiesBody, { entries });
    await service(req).putResponsibilities(id, body.entries);
    const q = new URLSearchParams({ level: String(req.query.level ?? 3), page: String(req.query.page ?? 1), matrix: 'saved' });
    res.redirect(303, `/platforms/${id}?${q}#matrix`);
  } catch (thrown) {
    const err = thrown instanceof AppError ? thrown : toAppError(thrown);
    const rowErrors: Record<string, string> = {};
    for (const d of err.details) {
      const m = /^entries\.(\d+)\./.exec(d.path ?? '');
      if (m && codes[Number(m[1])]) rowErrors[codes[Number(m[1])]!] ??= rowError(req, d);
    }
    if (err.status < 500 && err.status !== 403 && err.status !== 404) {
      return renderPlatform(req, res, id, { form: 'matrix', values: b, error: req.t('errors.validation_failed'), fieldErrors: {}, rowErrors }, err.status);
    }
    throw thrown;
  }
});

function rowError(req: Request, d: ErrorDetail): string {
  if (d.code === 'not_allowed' && d.path?.endsWith('platformResult')) return req.t('platform_admin.tenant_no_result');
  return detailText(req, d);
}
