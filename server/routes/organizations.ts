import { Router, type Request } from 'express';
import { z } from 'zod';
import { ORG_ROLES } from '../context.js';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { OrganizationsService } from '../services/organizations.js';
import { sendArray } from '../http/pagination.js';

export const organizationsRouter = Router();

const service = (req: Request) => new OrganizationsService(serviceContext(req));

const organizationFields = {
  name: z.string().trim().min(1).max(200),
  nameEn: z.string().trim().min(1).max(200).nullable().optional(),
  // 统一社会信用代码: 18 characters, digits and upper-case letters (GB 32100-2015)
  creditCode: z.string().trim().regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/).nullable().optional(),
  address: z.string().trim().max(300).nullable().optional(),
};
export const createBody = z.strictObject(organizationFields);
export const patchBody = z.strictObject({ ...organizationFields, name: organizationFields.name.optional() });
export const idParams = z.object({ id: fields.id });
export const memberParams = z.object({ id: fields.id, membershipId: fields.id });
const role = z.enum(ORG_ROLES);

organizationsRouter.get('/organizations', async (req, res) => {
  sendArray(req, res, await service(req).list());
});

organizationsRouter.post('/organizations', async (req, res) => {
  const svc = service(req);
  res.status(201).json(await svc.create(validate(req, createBody)));
});

organizationsRouter.get('/organizations/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).get(id));
});

organizationsRouter.patch('/organizations/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).update(id, validate(req, patchBody)));
});

organizationsRouter.get('/organizations/:id/members', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await service(req).listMembers(id));
});

export const postOrganizationsIdMembersBody = z.strictObject({ username: fields.username, role });
organizationsRouter.post('/organizations/:id/members', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postOrganizationsIdMembersBody);
  res.status(201).json(await service(req).addMember(id, body));
});

export const patchOrganizationsIdMembersMembershipIdBody = z.strictObject({ role });
organizationsRouter.patch('/organizations/:id/members/:membershipId', async (req, res) => {
  const { id, membershipId } = validate(req, memberParams, 'params');
  const body = validate(req, patchOrganizationsIdMembersMembershipIdBody);
  res.json(await service(req).changeRole(id, membershipId, body.role));
});

organizationsRouter.delete('/organizations/:id/members/:membershipId', async (req, res) => {
  const { id, membershipId } = validate(req, memberParams, 'params');
  await service(req).removeMember(id, membershipId);
  res.status(204).end();
});

organizationsRouter.post('/organizations/:id/members/:membershipId/accept', async (req, res) => {
  const { id, membershipId } = validate(req, memberParams, 'params');
  res.json(await service(req).acceptMember(id, membershipId));
});

organizationsRouter.post('/organizations/:id/members/:membershipId/decline', async (req, res) => {
  const { id, membershipId } = validate(req, memberParams, 'params');
  await service(req).declineMember(id, membershipId);
  res.status(204).end();
});
