import { Router, type Request } from 'express';
import { z } from 'zod';
import { isDate } from '../dates.js';
import { EvidenceRequestsService } from '../evidence/requests.js';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { pageFields, sendArray } from '../http/pagination.js';

export const evidenceRequestsRouter = Router();

const service = (req: Request) => new EvidenceRequestsService(serviceContext(req));

export const createBody = z.strictObject({
  organizationId: fields.id,
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(5000).nullable().optional(),
  requestedFrom: z.string().trim().min(1).max(100),
  dueDate: z.string().refine(isDate, 'must be a date YYYY-MM-DD'),
  target: z.strictObject({ type: z.string().min(1).max(32), id: z.string().min(1).max(100) }).optional(),
});

export const listQuery = z.strictObject({ organizationId: fields.id.optional(), status: z.enum(['open', 'fulfilled', 'cancelled']).optional(), lang: z.string().optional(), ...pageFields });

evidenceRequestsRouter.get('/evidence-requests', async (req, res) => {
  const q = validate(req, listQuery, 'query');
  sendArray(req, res, await service(req).list({ organizationId: q.organizationId, status: q.status }), q);
});

evidenceRequestsRouter.post('/evidence-requests', async (req, res) => {
  const svc = service(req);
  res.status(201).json(await svc.create(validate(req, createBody)));
});

export const postEvidenceRequestsIdCancelParams = z.object({ id: fields.id });
evidenceRequestsRouter.post('/evidence-requests/:id/cancel', async (req, res) => {
  const { id } = validate(req, postEvidenceRequestsIdCancelParams, 'params');
  res.json(await service(req).cancel(id));
});
