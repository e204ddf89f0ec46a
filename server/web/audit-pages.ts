import { Router, type Request } from 'express';
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
    entries: result.data.map((e) => ({ ...e, targetLabel: e.targetType ? req.t(`resources.${e.targetType}`, { defaultValue: e.targetType }) : '', statusLabel: req.t(`flow.audit_status_${e.status}`, { defaultValue: String(e.status ?? '') }), changeList: changeList(req, e.changes) })),
    pager: { page: q.page, pages, prev: q.page > 1 ? link(q.page - 1) : null, next: q.page < pages ? link(q.page + 1) : null },
    csv: `/api/v1/audit/export.csv?${params}`,
    xlsx: `/api/v1/audit/export.xlsx?${params}`,
    invalid: !parsed.success,
  });
});

/** Values whose words are in the locales, by the field that holds them (a raw code is never shown). */
const VALUE_KEYS: Record<string, (v: string) => string> = {
  role: (v) => `roles.${v}`,
  roles: (v) => `sod.role_${v}`,
  value: (v) => `enum.result_${v}`,
  status: (v) => `flow.audit_value_${v}`,
  to: (v) => `enum.lifecycle_${v}`,
  from: (v) => `enum.lifecycle_${v}`,
  kind: (v) => `flow.audit_value_${v}`,
};

/**
 * An entry's changes as the auditor reads them: one line per field, its label, and old → new
 * (a pair) or the value; enum values in words, nested records summarised as JSON.
 */
export function changeList(req: Request, changes: unknown): Array<{ field: string; from?: string; to?: string; value?: string }> {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) return changes === null || changes === undefined ? [] : [{ field: '', value: JSON.stringify(changes).slice(0, 300) }];
  const word = (field: string, v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return req.t(v ? 'flow.audit_yes' : 'flow.audit_no');
    if (Array.isArray(v)) return v.map((x) => word(field, x)).join(req.t('enum.list_separator'));
    if (typeof v === 'object') return JSON.stringify(v).slice(0, 300);
    const key = VALUE_KEYS[field]?.(String(v));
    return key ? req.t(key, { defaultValue: String(v) }) : String(v).slice(0, 300);
  };
  return Object.entries(changes as Record<string, unknown>).map(([field, v]) => {
    const label = req.t(`flow.audit_field_${field}`, { defaultValue: field });
    // [old, new] is a change; anything else is the value recorded.
    if (Array.isArray(v) && v.length === 2 && field !== 'roles') return { field: label, from: word(field, v[0]), to: word(field, v[1]) };
    if (field === 'roles' && Array.isArray(v) && v.length === 2 && Array.isArray(v[0])) return { field: label, from: word(field, v[0]) || '—', to: word(field, v[1]) || '—' };
    return { field: label, value: word(field, v) };
  });
}
