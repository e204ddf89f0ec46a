import { Router, type Request } from 'express';
import { z } from 'zod';
import { ExtraItemsService, extraItemFields } from '../assessments/extra-items.js';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { sendArray } from '../http/pagination.js';

/** An assessment's additional items beyond the catalogue (X-… codes; e.g. GA/T 2182-2024 checks at level 5). */
export const extraItemsRouter = Router();

const items = (req: Request) => new ExtraItemsService(serviceContext(req));
export const params = z.object({ id: fields.id });
export const codeParams = z.object({ id: fields.id, code: extraItemFields.code });

extraItemsRouter.get('/assessments/:id/extra-items', async (req, res) => {
  const { id } = validate(req, params, 'params');
  sendArray(req, res, await items(req).list(id));
});

export const postAssessmentsIdExtraItemsBody = z.strictObject(extraItemFields);
extraItemsRouter.post('/assessments/:id/extra-items', async (req, res) => {
  const { id } = validate(req, params, 'params');
  res.status(201).json(await items(req).create(id, validate(req, postAssessmentsIdExtraItemsBody)));
});

const { code: _ignored, ...patchFields } = extraItemFields;
export const patchAssessmentsIdExtraItemsCodeBody = z.strictObject(patchFields).partial();
extraItemsRouter.patch('/assessments/:id/extra-items/:code', async (req, res) => {
  const { id, code } = validate(req, codeParams, 'params');
  res.json(await items(req).update(id, code, validate(req, patchAssessmentsIdExtraItemsCodeBody)));
});

extraItemsRouter.delete('/assessments/:id/extra-items/:code', async (req, res) => {
  const { id, code } = validate(req, codeParams, 'params');
  await items(req).remove(id, code);
  res.status(204).end();
});
