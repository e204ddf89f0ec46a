import { Router, type Request } from 'express';
import { can, OrganizationScope, ORG_ROLES, PLATFORM_ROLES, type Caller, type PlatformRole } from '../context.js';
import { ForbiddenError, ValidationError } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { passwordPolicyOf } from '../services/credentials.js';
import { fields } from '../http/validate.js';
import { OrganizationsService } from '../services/organizations.js';
import { patchOrganizationsIdMembersMembershipIdBody } from '../routes/organizations.js';
import { parseFormWith, textFields } from './form-values.js';
import { setPlatformRoles } from '../services/platform-roles.js';
import { UsersService } from '../services/users.js';
import { requireCsrf } from './csrf.js';
import { paginate, renderPage, signedIn } from './render.js';
import { fieldErrors, formAction } from './system-pages.js';

/**
 * Administration, shaped by what the caller may do (asked of `can`, never by role name): system
 * administrators create users and organisations; security administrators grant platform roles,
 * unlock accounts and propose memberships; officers accept or decline pending memberships of
 * their organisations and manage their members.
 */
export const adminPagesRouter = Router();

/** Who sees the administration page at all (the header link asks the same). */
export function seesAdminPage(caller: Caller): boolean {
  return can(caller, 'users.read') || can(caller, 'organizations.list') || new OrganizationScope(caller).organizationIds('manage').length > 0;
}

adminPagesRouter.get('/admin', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  if (!seesAdminPage(ctx.caller)) throw new ForbiddenError({ action: 'admin' });
  const orgs = new OrganizationsService(ctx);
  const scope = new OrganizationScope(ctx.caller);
  const officerOf = (id: string) => scope.can(id, 'manage');
  const manageAll = can(ctx.caller, 'memberships.manage');
  const organizations = [];
  for (const o of await orgs.list()) {
    if (!can(ctx.caller, 'organizations.list') && !officerOf(o.id)) continue;
    const members = (await orgs.listMembers(o.id)).map((m) => ({ ...m, roleLabel: req.t(`roles.${m.role}`, { defaultValue: m.role }), pending: m.status === 'pending', decide: m.status === 'pending' && officerOf(o.id), manage: manageAll || officerOf(o.id), roleChoices: ORG_ROLES.map((r) => ({ value: r, label: req.t(`roles.${r}`), on: r === m.role })) }));
    organizations.push({ ...o, members, canAdd: manageAll || officerOf(o.id) });
  }
  const users = can(ctx.caller, 'users.read') ? await new UsersService(ctx.knex, ctx.caller).list() : [];
  const L = req.t('ui', { returnObjects: true }) as Record<string, string>;
  const roleName = (r: string) => req.t(`sod.role_${r}`);
  renderPage(req, res, 'admin', {
    title: req.t('ui.admin'),
    nav: 'admin',
    ...(({ items, ...pager }) => ({ users: items.map((u) => ({ ...u, roleNames: u.roles.map(roleName).join('、'), roleChoices: PLATFORM_ROLES.map((r) => ({ value: r, label: roleName(r), on: u.roles.includes(r) })) })), pager }))(paginate(req, users)),
    showUsers: can(ctx.caller, 'users.read'),
    canCreateUser: can(ctx.caller, 'users.manage'),
    canGrantRoles: can(ctx.caller, 'roles.manage'),
    canUnlock: can(ctx.caller, 'users.unlock'),
    canCreateOrganization: can(ctx.caller, 'organizations.manage'),
    combinedAllowed: deps(req).config.allowCombinedAdminRoles,
    organizations,
    error: typeof req.query.error === 'string' ? (req.t(`errors.${req.query.error}`, { defaultValue: req.query.error }) as string) : undefined,
    fieldErrors: fieldErrors(req),
    L,
    O: req.t('org_admin', { returnObjects: true }),
  });
});

adminPagesRouter.post('/admin/users', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const b = req.body as Record<string, string>;
    const problems = [];
    const username = fields.username.safeParse(b.username ?? '');
    if (!username.success) problems.push({ path: 'username', code: 'invalid', message: username.error.issues[0]!.message });
    const password = fields.password.safeParse(b.password ?? '');
    if (!password.success) problems.push({ path: 'password', code: 'invalid', message: password.error.issues[0]!.message });
    if (problems.length) throw new ValidationError({}, problems);
    const ctx = serviceContext(req);
    await new UsersService(ctx.knex, ctx.caller, passwordPolicyOf(deps(req).config)).create({ username: username.data!, displayName: (b.displayName ?? '').trim() || username.data!, password: password.data! });
    return '/admin';
  }),
);

const formList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const userId = (req: Request) => fields.id.parse(req.params.id);

adminPagesRouter.post('/admin/users/:id/roles', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const ctx = serviceContext(req);
    const roles = formList((req.body as Record<string, unknown>).roles).filter((r): r is PlatformRole => (PLATFORM_ROLES as readonly string[]).includes(r));
    await setPlatformRoles(ctx.knex, ctx.caller, userId(req), roles, deps(req).config.allowCombinedAdminRoles);
    return '/admin';
  }),
);

adminPagesRouter.post('/admin/users/:id/unlock', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const ctx = serviceContext(req);
    await new UsersService(ctx.knex, ctx.caller).unlock(userId(req));
    await deps(req).auth.unlock(userId(req)); // and every (username, IP) pair
    return '/admin';
  }),
);

adminPagesRouter.post('/admin/organizations', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const name = String((req.body as Record<string, string>).name ?? '').trim();
    if (!name) throw new ValidationError({}, [{ path: 'name', code: 'required', message: 'required' }]);
    await new OrganizationsService(serviceContext(req)).create({ name });
    return '/admin';
  }),
);

adminPagesRouter.post('/admin/organizations/:id/members', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const b = req.body as Record<string, string>;
    const role = ['officer', 'consultant', 'auditor'].includes(b.role ?? '') ? (b.role as 'officer') : 'auditor';
    await new OrganizationsService(serviceContext(req)).addMember(fields.id.parse(req.params.id), { username: String(b.username ?? ''), role });
    return '/admin';
  }),
);

/** A member's role, checked with the API's schema (the last active officer keeps the role: the service refuses). */
adminPagesRouter.post('/admin/organizations/:id/members/:membershipId/role', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const { role } = parseFormWith(req, patchOrganizationsIdMembersMembershipIdBody, { role: textFields(req).role });
    await new OrganizationsService(serviceContext(req)).changeRole(fields.id.parse(req.params.id), fields.id.parse(req.params.membershipId), role);
    return '/admin';
  }),
);

adminPagesRouter.post('/admin/organizations/:id/members/:membershipId/:decision', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/admin', async () => {
    const svc = new OrganizationsService(serviceContext(req));
    const [org, membership] = [fields.id.parse(req.params.id), fields.id.parse(req.params.membershipId)];
    if (req.params.decision === 'accept') await svc.acceptMember(org, membership);
    else if (req.params.decision === 'decline') await svc.declineMember(org, membership);
    else if (req.params.decision === 'remove') await svc.removeMember(org, membership);
    else throw new ValidationError({}, [{ path: 'decision', code: 'invalid', message: 'accept, decline or remove' }]);
    return '/admin';
  }),
);
