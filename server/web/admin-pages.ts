import { Router } from 'express';
import { requireAdmin } from '../context.js';
import { ValidationError } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { passwordPolicyOf } from '../services/credentials.js';
import { fields } from '../http/validate.js';
import { OrganizationsService } from '../services/organizations.js';
import { UsersService } from '../services/users.js';
import { requireCsrf } from './csrf.js';
import { paginate, renderPage, signedIn } from './render.js';
import { fieldErrors, formAction } from './system-pages.js';

/** Platform administration: users, organisations and memberships (admins only). */
export const adminPagesRouter = Router();

adminPagesRouter.get('/admin', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  requireAdmin(ctx.caller);
  const orgs = new OrganizationsService(ctx);
  const organizations = [];
  for (const o of await orgs.list()) organizations.push({ ...o, members: await orgs.listMembers(o.id) });
  renderPage(req, res, 'admin', {
    title: req.t('ui.admin'),
    nav: 'admin',
    ...(({ items, ...pager }) => ({ users: items, pager }))(paginate(req, await new UsersService(ctx.knex, ctx.caller).list())),
    organizations,
    error: typeof req.query.error === 'string' ? req.query.error : undefined,
    fieldErrors: fieldErrors(req),
    L: req.t('ui', { returnObjects: true }),
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
    await new OrganizationsService(serviceContext(req)).addMember(String(req.params.id), { username: String(b.username ?? ''), role });
    return '/admin';
  }),
);
