import { OrganizationScope } from '../context.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { EVIDENCE_KINDS } from '../database/migrations/20261126C-evidence.js';
import { AppError } from '../errors.js';
import { EvidenceService } from '../evidence/service.js';
import { EvidenceRequestsService } from '../evidence/requests.js';
import { parseUpload } from '../http/multipart.js';
import { deps, serviceContext } from '../http/request.js';
import { requireCsrf } from './csrf.js';
import { pageLinks, pageOfPage } from './paging.js';
import { renderPage, selectedOrganization, signedIn } from './render.js';

/** The evidence library (the platforms' pages are in platform-pages.ts). */
export const libraryPagesRouter = Router();

const q = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

libraryPagesRouter.get('/evidence', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  const svc = new EvidenceService(ctx, deps(req).store);
  const kind = q(req.query.kind);
  const pageSize = 50;
  const { page, number } = pageOfPage(req, pageSize, ['string', 'uuid']);
  const result = await svc.page(
    {
      organizationId: selectedOrganization(req),
      q: q(req.query.q),
      kind: (EVIDENCE_KINDS as readonly string[]).includes(kind ?? '') ? kind : undefined,
      expired: req.query.expired === 'true' ? true : undefined,
    },
    page,
  );
  const { rows: data, total } = result;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const links = pageLinks(req, result, number);
  renderPage(req, res, 'evidence', {
    title: req.t('ui.evidence_library'),
    nav: 'evidence',
    items: data,
    total,
    page: Math.min(number, pages),
    pages,
    prev: links.prev,
    next: links.next,
    q: q(req.query.q),
    kind,
    expired: req.query.expired,
    kinds: EVIDENCE_KINDS,
    canUpload: new OrganizationScope(ctx.caller).organizationIds('edit').length > 0,
    requests: (await new EvidenceRequestsService(ctx).list({ organizationId: selectedOrganization(req), status: 'open' })).slice(0, 50).map((r) => ({ ...r, canCancel: new OrganizationScope(ctx.caller).can(r.organizationId, 'edit') })),
    error: q(req.query.error),
    L: req.t('ui', { returnObjects: true }),
  });
});

libraryPagesRouter.post('/evidence', signedIn, requireCsrf, async (req, res) => {
  const d = deps(req);
  const svc = new EvidenceService(serviceContext(req), d.store);
  try {
    svc.assertCanUpload();
    const parsed = await parseUpload(req, d.store, d.config.maxUploadMb * 1024 * 1024, d.config.maxUploadMb);
    if (!parsed.file) return res.redirect(303, '/evidence');
    const kind = parsed.fields.kind?.[0] ?? 'other';
    let org: string;
    try {
      org = svc.resolveOrganization(selectedOrganization(req));
    } catch (err) {
      await parsed.file.staged.discard(); // a refused upload leaves no temporary file
      throw err;
    }
    await svc.create(org, { title: parsed.fields.title?.[0]?.trim() || parsed.file.clientName || 'evidence', kind: (EVIDENCE_KINDS as readonly string[]).includes(kind) ? kind : 'other' }, parsed.file);
    res.redirect(303, '/evidence');
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    res.redirect(303, `/evidence?error=${encodeURIComponent(req.t(`errors.${err.code}`, { ...err.params, defaultValue: err.message }))}`);
  }
});

