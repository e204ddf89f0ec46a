import { Router, type Request } from 'express';
import { z } from 'zod';
import { isDate } from '../dates.js';
import { arrayPage } from '../database/keyset.js';
import { pageFields, pageQuery, pageRequest, sendPage } from '../http/pagination.js';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { LIFECYCLE_STATES } from '../systems/lifecycle.js';
import { SYSTEM_SORTS, SystemsService } from '../systems/service.js';

export const systemsRouter = Router();

const service = (req: Request) => new SystemsService(serviceContext(req));
export const date = z.string().refine(isDate, { message: 'must be a date YYYY-MM-DD', params: { rule: 'date' } });
export const systemParams = z.object({ id: fields.id });

const contact = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.string().trim().max(100).optional(),
  phone: z.string().trim().max(50).optional(),
  email: z.email().max(254).optional(),
});
const systemFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(5000).nullable().optional(),
  businessType: z.string().trim().max(100).nullable().optional(),
  owner: z.string().trim().max(100).nullable().optional(),
  contacts: z.array(contact).max(20).optional(),
  deployment: z.enum(['on_premises', 'cloud']),
  platformId: fields.id.nullable().optional(),
  extensions: z
    .strictObject({ cloud: z.boolean().optional(), mobile: z.boolean().optional(), iot: z.boolean().optional(), ics: z.boolean().optional(), bigData: z.boolean().optional() })
    .optional(),
};
export const createSystemBody = z.strictObject({ organizationId: fields.id, ...systemFields });
export const patchSystemBody = z.strictObject({ ...systemFields, name: systemFields.name.optional(), deployment: systemFields.deployment.optional() });

export const listSystemsQuery = z.strictObject({
  organizationId: fields.id.optional(),
  status: z.enum(LIFECYCLE_STATES).optional(),
  level: z.coerce.number().int().min(1).max(5).optional(),
  includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(Object.keys(SYSTEM_SORTS) as [keyof typeof SYSTEM_SORTS]).optional(),
  lang: z.string().optional(),
  ...pageFields,
});
export const systemTransitionBody = z.strictObject({
  to: z.enum(LIFECYCLE_STATES),
  note: z.string().trim().max(1000).optional(),
  effectiveOn: date.optional(),
  force: z.boolean().optional(),
  reason: z.string().trim().min(5).max(1000).optional(),
});

systemsRouter.get('/systems', async (req, res) => {
  const q = validate(req, listSystemsQuery, 'query');
  const { pageSize: _s, cursor: _c, lang: _l, ...filter } = q;
  sendPage(req, res, await service(req).page(filter, pageRequest(req, q, ['string', 'uuid'])));
});

systemsRouter.post('/systems', async (req, res) => {
  const { organizationId, ...input } = validate(req, createSystemBody);
  res.status(201).json(await service(req).create(organizationId, input));
});

systemsRouter.get('/systems/:id', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await service(req).get(id));
});

systemsRouter.patch('/systems/:id', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await service(req).update(id, validate(req, patchSystemBody)));
});

systemsRouter.delete('/systems/:id', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await service(req).remove(id));
});

systemsRouter.post('/systems/:id/transitions', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const body = validate(req, systemTransitionBody);
  res.json(await service(req).transition(id, body));
});

systemsRouter.get('/systems/:id/history', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const q = validate(req, pageQuery, 'query');
  sendPage(req, res, arrayPage(await service(req).history(id), pageRequest(req, q, ['position'])));
});
