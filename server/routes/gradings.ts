import { Router, type Request } from 'express';
import { z } from 'zod';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { HARM_DEGREES, HARMED_OBJECTS } from '../systems/grading-matrix.js';
import { GradingsService } from '../systems/gradings.js';
import { date, systemParams } from './systems.js';
import { sendArray } from '../http/pagination.js';

export const gradingsRouter = Router();

const service = (req: Request) => new GradingsService(serviceContext(req));
const harms = z
  .array(z.strictObject({ object: z.enum(HARMED_OBJECTS), degree: z.enum(HARM_DEGREES) }))
  .min(1)
  .max(3)
  .refine((h) => new Set(h.map((x) => x.object)).size === h.length, 'each object harmed at most once');
const level = z.number().int().min(1).max(5);
export const gradingParams = z.object({ id: fields.id, gid: fields.id });

gradingsRouter.get('/systems/:id/gradings', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  sendArray(req, res, await service(req).list(id));
});

gradingsRouter.post('/systems/:id/gradings', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const body = validate(
    req,
    z.strictObject({
      businessHarms: harms,
      serviceHarms: harms,
      rationale: z.string().trim().min(10).max(20000),
      gradedOn: date,
      sLevel: level.optional(),
      aLevel: level.optional(),
      level: level.optional(),
    }),
  );
  res.status(201).json(await service(req).create(id, body));
});

gradingsRouter.post('/systems/:id/gradings/:gid/review', async (req, res) => {
  const { id, gid } = validate(req, gradingParams, 'params');
  const body = validate(
    req,
    z.strictObject({
      reviewedOn: date,
      experts: z.array(z.string().trim().min(1).max(100)).min(1).max(20),
      opinion: z.string().trim().min(1).max(10000),
      evidenceId: fields.id.nullable().optional(),
    }),
  );
  res.json(await service(req).review(id, gid, body));
});

gradingsRouter.post('/systems/:id/gradings/:gid/approval', async (req, res) => {
  const { id, gid } = validate(req, gradingParams, 'params');
  const body = validate(
    req,
    z.strictObject({
      approvedOn: date,
      authority: z.string().trim().min(1).max(200),
      reference: z.string().trim().min(1).max(100),
      evidenceId: fields.id.nullable().optional(),
    }),
  );
  res.json(await service(req).approve(id, gid, body));
});
