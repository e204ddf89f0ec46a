import { Router } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { listDeadlines } from '../deadlines/index.js';
import { decodeCursor, encodeCursor, filterDeadlines, pageAfter } from '../deadlines/page.js';
import { ValidationError } from '../errors.js';
import { deps, requireCaller } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const deadlinesRouter = Router();

export const deadlinesQuery = z.strictObject({
  within: z.coerce.number().int().min(0).max(3660).default(30),
  organizationId: fields.id.optional(),
  systemId: fields.id.optional(),
  type: z.string().regex(/^[a-z0-9_]{1,40}$/).optional(),
  dueBefore: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(400).optional(),
  lang: z.string().optional(),
});

// Paginated like the other lists: `data` keeps the array, `Link: <…>; rel="next"` and X-Total-Count tell what is left.
deadlinesRouter.get('/deadlines', async (req, res) => {
  const caller = requireCaller(req);
  const q = validate(req, deadlinesQuery, 'query');
  const scope = new OrganizationScope(caller);
  if (q.organizationId) scope.require(q.organizationId, 'read');
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (q.cursor !== undefined && !cursor) throw new ValidationError({}, [{ path: 'query.cursor', code: 'invalid_value', message: 'is not a cursor this list gave' }]);
  const data = filterDeadlines(await listDeadlines(deps(req).db, scope, q.within), q);
  const { page, next } = pageAfter(data, cursor, q.pageSize);
  res.set('X-Total-Count', String(data.length));
  if (next) {
    const url = new URL(req.originalUrl, 'http://x');
    url.searchParams.set('cursor', encodeCursor(next));
    url.searchParams.set('pageSize', String(q.pageSize));
    res.set('Link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  res.json({ data: page, meta: { within: q.within, overdue: data.filter((d) => d.overdue).length, total: data.length, pageSize: q.pageSize } });
});
