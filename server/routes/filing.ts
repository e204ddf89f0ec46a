import { Router, type Request } from 'express';
import { z } from 'zod';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { FILING_ATTACHMENTS, FILING_STATUSES, FilingService } from '../systems/filing.js';
import { InspectionsService } from '../systems/inspections.js';
import { date, systemParams } from './systems.js';
import { sendArray } from '../http/pagination.js';

export const filingRouter = Router();

const filing = (req: Request) => new FilingService(serviceContext(req));
const inspections = (req: Request) => new InspectionsService(serviceContext(req));
const text = (max: number) => z.string().trim().min(1).max(max);

/** The 备案表 fields (the API's and the filing page's). */
export const filingFormSchema = z.strictObject({
  organizationName: text(200).optional(),
  address: text(300).optional(),
  creditCode: z.string().trim().regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/, 'must be an 18-character unified social credit code').optional(),
  responsiblePerson: text(100).optional(),
  contacts: z.array(z.strictObject({ name: text(100), role: text(100).optional(), phone: text(50).optional(), email: z.email().optional() })).max(20).optional(),
  systemName: text(200).optional(),
  businessDescription: text(5000).optional(),
  serviceScope: text(1000).optional(),
});

filingRouter.get('/systems/:id/filing', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.json(await filing(req).get(id));
});

filingRouter.put('/systems/:id/filing', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  const body = validate(
    req,
    z.strictObject({
      form: filingFormSchema,
      status: z.enum(FILING_STATUSES),
      filingOrgan: text(200).nullable().optional(),
      submittedOn: date.nullable().optional(),
      certificateNumber: text(100).nullable().optional(),
      certificateDate: date.nullable().optional(),
      returnReason: text(500).nullable().optional(),
      refiledOn: date.nullable().optional(),
      missingAttachments: z.array(z.enum(FILING_ATTACHMENTS.map((a) => a.slot) as [string, ...string[]])).optional(),
    }),
  );
  res.json(await filing(req).put(id, body as Parameters<FilingService['put']>[1]));
});

export const inspectionFields = {
  kind: z.enum(['supervision', 'self']),
  inspectedOn: date,
  organ: text(200).nullable().optional(),
  result: text(5000),
  notice: text(5000).nullable().optional(),
  noticeDue: date.nullable().optional(),
  rectifiedOn: date.nullable().optional(),
};

filingRouter.get('/systems/:id/inspections', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  sendArray(req, res, await inspections(req).list(id));
});

export const postSystemsIdInspectionsBody = z.strictObject(inspectionFields);
filingRouter.post('/systems/:id/inspections', async (req, res) => {
  const { id } = validate(req, systemParams, 'params');
  res.status(201).json(await inspections(req).create(id, validate(req, postSystemsIdInspectionsBody)));
});

export const patchSystemsIdInspectionsIidParams = z.object({ id: fields.id, iid: fields.id });
export const patchSystemsIdInspectionsIidBody = z.strictObject(inspectionFields).partial();
filingRouter.patch('/systems/:id/inspections/:iid', async (req, res) => {
  const { id, iid } = validate(req, patchSystemsIdInspectionsIidParams, 'params');
  const body = validate(req, patchSystemsIdInspectionsIidBody);
  res.json(await inspections(req).update(id, iid, body));
});
