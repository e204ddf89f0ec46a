import { Router } from 'express';
import { z } from 'zod';
import { requireCaller, deps } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { TOKEN_SCOPES, TokensService } from '../services/tokens.js';
import { sendArray } from '../http/pagination.js';

export const tokensRouter = Router();

const service = (req: Parameters<typeof requireCaller>[0]) => {
  const { identity } = deps(req).config;
  return new TokensService(deps(req).db, requireCaller(req), { defaultDays: identity.tokenDefaultDays, maxDays: identity.tokenMaxDays });
};

export const createBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  scope: z.enum(TOKEN_SCOPES).optional(),
});

tokensRouter.get('/tokens', async (req, res) => {
  sendArray(req, res, await service(req).list());
});

tokensRouter.post('/tokens', async (req, res) => {
  const body = validate(req, createBody);
  res.status(201).json(await service(req).create(body));
});

export const deleteTokensIdParams = z.object({ id: fields.id });
tokensRouter.delete('/tokens/:id', async (req, res) => {
  const { id } = validate(req, deleteTokensIdParams, 'params');
  await service(req).revoke(id);
  res.status(204).end();
});
