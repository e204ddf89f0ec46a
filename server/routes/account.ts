import { Router, type Request } from 'express';
import { z } from 'zod';
import { requirePlatform } from '../context.js';
import { NotFoundError } from '../errors.js';
import { deps, requireCaller } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { AccountService, clearSecondFactor, type RequestOrigin } from '../services/account.js';
import { passwordPolicyOf } from '../services/credentials.js';
import { sendArray } from '../http/pagination.js';

/** The caller's own account (password, sessions, second factor) and the administrators' resets. */
export const accountRouter = Router();

export const accountService = (req: Request) => {
  const { db, auth, config } = deps(req);
  return new AccountService(db, requireCaller(req), auth, passwordPolicyOf(config));
};
export const originOf = (req: Request): RequestOrigin => ({ sessionId: req.sessionId, ip: req.ip });

export const passwordBody = z.strictObject({ currentPassword: fields.password, newPassword: fields.password });
export const confirmBody = z.strictObject({ code: z.string().trim().min(1).max(32) });
export const withPassword = z.strictObject({ password: fields.password });

accountRouter.post('/me/password', async (req, res) => {
  const body = validate(req, passwordBody);
  await accountService(req).changePassword(body.currentPassword, body.newPassword, originOf(req));
  res.status(204).end();
});

accountRouter.get('/me/sessions', async (req, res) => {
  sendArray(req, res, await accountService(req).sessions(originOf(req)));
});

export const deleteMeSessionsIdParams = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/) });
accountRouter.delete('/me/sessions/:id', async (req, res) => {
  const { id } = validate(req, deleteMeSessionsIdParams, 'params');
  await accountService(req).revokeSession(id);
  res.status(204).end();
});

accountRouter.get('/me/mfa', async (req, res) => {
  res.json(await accountService(req).mfaStatus());
});

accountRouter.post('/me/mfa/totp', async (req, res) => {
  res.status(201).json(await accountService(req).beginTotp());
});

accountRouter.post('/me/mfa/totp/confirm', async (req, res) => {
  res.json(await accountService(req).confirmTotp(validate(req, confirmBody).code));
});

accountRouter.delete('/me/mfa/totp', async (req, res) => {
  await accountService(req).disableTotp(validate(req, withPassword).password, originOf(req));
  res.status(204).end();
});

accountRouter.post('/me/mfa/recovery-codes', async (req, res) => {
  res.json(await accountService(req).regenerateRecoveryCodes(validate(req, withPassword).password, originOf(req)));
});

export const userParams = z.object({ id: fields.id });

/** A user lost their authenticator: an administrator removes the second factor; they enrol again. */
accountRouter.delete('/users/:id/mfa', async (req, res) => {
  // A security setting: the security administrator's (三权分立).
  requirePlatform(requireCaller(req), 'users.unlock');
  const { id } = validate(req, userParams, 'params');
  const { db } = deps(req);
  if (!(await db('users').where({ id }).first())) throw new NotFoundError({ resource: 'user', id });
  await clearSecondFactor(db, id);
  await db('sessions').where({ user_id: id }).delete();
  res.status(204).end();
});
