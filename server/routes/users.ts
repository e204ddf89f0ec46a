import { Router, type Request } from 'express';
import { z } from 'zod';
import { PLATFORM_ROLES } from '../context.js';
import { deps, requireCaller } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { passwordPolicyOf } from '../services/credentials.js';
import { setPlatformRoles } from '../services/platform-roles.js';
import { UsersService } from '../services/users.js';
import { sendArray } from '../http/pagination.js';

export const usersRouter = Router();

const service = (req: Request) => new UsersService(deps(req).db, requireCaller(req), passwordPolicyOf(deps(req).config));

export const createBody = z.strictObject({
  username: fields.username,
  displayName: fields.displayName,
  password: fields.password,
  email: z.email().max(254).optional(),
});
export const patchBody = z.strictObject({
  displayName: fields.displayName.optional(),
  email: z.email().max(254).nullable().optional(),
  password: fields.password.optional(),
  disabled: z.boolean().optional(),
});
export const rolesBody = z.strictObject({ roles: z.array(z.enum(PLATFORM_ROLES)).max(3) });
export const idParams = z.object({ id: fields.id });

usersRouter.get('/users', async (req, res) => {
  sendArray(req, res, await service(req).list());
});

usersRouter.post('/users', async (req, res) => {
  const svc = service(req);
  res.status(201).json(await svc.create(validate(req, createBody)));
});

usersRouter.get('/users/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).get(id));
});

usersRouter.patch('/users/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).update(id, validate(req, patchBody)));
});

/** 三权分立: a user's platform roles (security administrators). */
usersRouter.put('/users/:id/roles', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { roles } = validate(req, rolesBody);
  const { db, config } = deps(req);
  await setPlatformRoles(db, requireCaller(req), id, roles, config.allowCombinedAdminRoles);
  res.json(await service(req).get(id));
});

/** Lifts every sign-in lock of an account: its own and every (username, IP) pair (security administrators). */
usersRouter.post('/users/:id/unlock', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const user = await service(req).unlock(id);
  await deps(req).auth.unlock(id);
  res.json(user);
});
