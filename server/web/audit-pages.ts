import { Router } from 'express';
import { can, OrganizationScope, ROLE_PERMISSIONS, type Caller } from '../context.js';
import { ForbiddenError } from '../errors.js';
import { auditQuery } from '../routes/audit.js';
import { AuditService } from '../audit/service.js';
import { serviceContext } from '../http/request.js';
import { renderPage, selectedOrganization, signedIn } from './render.js';

/** The audit trail page: an organisation's trail (officers, auditors) or the platform's (audit administrators). */
export const auditPagesRouter = Router();

/** Organisations whose trail the caller may read. */
const auditableOrganizations = (caller: Caller) => new OrganizationScope(caller).organizationIds('audit');

export function seesAuditPage(caller: Caller): boolean {
  return can(caller, 'audit.platform') || [...caller.memberships.values()].some((r) => ROLE_PERMISSIONS[r].includes('audit'));
}

auditPagesRouter.get('/audit', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  if (!seesAuditPage(ctx.caller)) throw new ForbiddenError({ action: 'audit' });
  const parsed = auditQuery.safeParse(Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== '')));
  const q = parsed.success ? parsed.data : auditQuery.parse({});
  const orgs = auditableOrganizations(ctx.caller);
  const selected = selectedOrganization(req);
  // The platform's trail only for audit administrators; members read their organisation's.
  const organizationId = q.organizationId ?? (can(ctx.caller, 'audit.platform') ? undefined : selected && orgs.includes(selected) ? selected : orgs[0]);
  const { page: _p, pageSize: _s, cursor: _c, ...filter } = q;
  const result = await new AuditService(ctx.knex, ctx.caller).list({ ...filter, organizationId }, q.page, q.pageSize);
  const names = new Map((await ctx.knex('organizations').whereIn('id', orgs).select('id', 'name')).map((o: { id: string; name: string }) => [o.id, o.name]));
  const params = new URLSearchParams(Object.entries({ ...filter, organizationId }).filter(([, v]) => typeof v === 'string' && v) as Array<[string, string]>);
  const pages = Math.max(1, Math.ceil(result.total / q.pageSize));
  const link = (p: number) => `/audit?${new URLSearchParams([...params, ['page', String(p)]])}`;
  renderPage(req, res, 'audit', {
    title: req.t('audit.title'),
    nav: 'audit',
    chainName: organizationId ? names.get(organizationId) : req.t('audit.platform_chain'),
    organizationId: organizationId ?? '',
    organizations: orgs.map((id) => ({ id, name: names.get(id), on: id === organizationId })),
    platform: can(ctx.caller, 'audit.platform'),
    filter,
    total: result.total,
    entries: result.data.map((e) => ({ ...e, changesText: e.changes === null ? '' : JSON.stringify(e.changes).slice(0, 400) })),
    pager: { page: q.page, pages, prev: q.page > 1 ? link(q.page - 1) : null, next: q.page < pages ? link(q.page + 1) : null },
    csv: `/api/v1/audit/export.csv?${params}`,
    xlsx: `/api/v1/audit/export.xlsx?${params}`,
    invalid: !parsed.success,
  });
});
