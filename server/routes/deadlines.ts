import { Router } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { listDeadlines } from '../deadlines/index.js';
import { deps, requireCaller } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const deadlinesRouter = Router();

deadlinesRouter.get('/deadlines', async (req, res) => {
  const caller = requireCaller(req);
  const q = validate(
    req,
    z.strictObject({ within: z.coerce.number().int().min(0).max(3660).default(30), organizationId: fields.id.optional(), lang: z.string().optional() }),
    'query',
  );
  const scope = new OrganizationScope(caller);
  if (q.organizationId) scope.require(q.organizationId, 'read');
  const all = await listDeadlines(deps(req).db, scope, q.within);
  const data = q.organizationId ? all.filter((d) => d.organizationId === q.organizationId) : all;
  res.json({ data, meta: { within: q.within, overdue: data.filter((d) => d.overdue).length } });
});
