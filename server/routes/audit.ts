import { Router, type Request } from 'express';
import { z } from 'zod';
import { auditCsv, auditXlsx } from '../audit/export.js';
import { AuditService, type AuditFilter } from '../audit/service.js';
import { deps, requireCaller } from '../http/request.js';
import { pageFields, pageRequest, setPageHeaders } from '../http/pagination.js';
import { fields, validate } from '../http/validate.js';

export const auditRouter = Router();

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, 'YYYY-MM-DD or an ISO time');
export const auditQuery = z.object({
  organizationId: fields.id.optional(),
  actor: z.string().trim().min(1).max(64).optional(),
  action: z.string().trim().min(1).max(120).optional(),
  targetType: z.string().trim().min(1).max(40).optional(),
  targetId: z.string().trim().min(1).max(200).optional(),
  from: date.optional(),
  to: date.optional(),
  /** The older page-number form (the audit page uses it); the API's default is `cursor`. */
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  ...pageFields,
});

const service = (req: Request) => new AuditService(deps(req).db, requireCaller(req));
const filterOf = ({ page: _p, pageSize: _s, cursor: _c, ...f }: z.infer<typeof auditQuery>): AuditFilter => f;

/** The audit trail: an organisation's (officers, auditors) or the platform's (audit administrators). */
auditRouter.get('/audit', async (req, res) => {
  const q = validate(req, auditQuery, 'query');
  if (req.query.page !== undefined && q.cursor === undefined) {
    const result = await service(req).list(filterOf(q), q.page, q.pageSize);
    res.setHeader('X-Total-Count', String(result.total));
    res.json(result);
    return;
  }
  const result = await service(req).page(filterOf(q), pageRequest(req, q, ['number']));
  setPageHeaders(req, res, result);
  res.json({ data: result.rows, total: result.total, pageSize: q.pageSize });
});

auditRouter.get('/audit/export.csv', async (req, res) => {
  const q = validate(req, auditQuery, 'query');
  const svc = service(req);
  const entries = svc.all(filterOf(q));
  const first = await entries.next(); // checks access before any byte is sent
  res.type('text/csv; charset=utf-8').attachment(`audit-${q.organizationId ?? 'platform'}.csv`);
  async function* rest() {
    if (!first.done) yield first.value;
    yield* entries;
  }
  for await (const chunk of auditCsv(rest())) res.write(chunk);
  res.end();
});

auditRouter.get('/audit/export.xlsx', async (req, res) => {
  const q = validate(req, auditQuery, 'query');
  const body = await auditXlsx(service(req).all(filterOf(q)), 'audit');
  res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(`audit-${q.organizationId ?? 'platform'}.xlsx`).send(body);
});
