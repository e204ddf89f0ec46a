import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { mask } from './chain.js';
import { AuditWriter } from './writer.js';
import { auditStorage, type AuditRequestContext } from './context.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      audit?: AuditRequestContext;
    }
    interface Locals {
      /** Set when a route recorded its own entry (sign-in, sign-out): the middleware adds none. */
      audited?: boolean;
    }
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Reads that hand out files or data sets: evidence, reports, exports, packs. */
const DOWNLOAD = /\/download$|\.(xlsx|zip|csv|pdf)$|\/export(\.|\/|$)/;
const MAX_CHANGES = 4000;

/** Requests whose audit entry is still to be written, by what they are (method, URL, state). */
const pending = new Map<Promise<void>, { request: string; state: 'response open' | 'entry being written' }>();

/**
 * Waits for the audit entries of the requests seen so far (tests and shutdown: `auditSettled()`),
 * at most `timeoutMs`. Returns the requests still pending then, so a caller that gives up can say
 * which (a response that never ends would otherwise hold a shutdown or a test forever).
 */
export async function auditSettled(timeoutMs = Number.POSITIVE_INFINITY): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  while (pending.size) {
    const left = until - Date.now();
    if (left <= 0) return [...pending.values()].map((p) => `${p.request} (${p.state})`);
    let timer: NodeJS.Timeout | undefined;
    const waited = Number.isFinite(left) ? new Promise<void>((r) => (timer = setTimeout(r, left))) : new Promise<void>(() => undefined);
    await Promise.race([Promise.allSettled([...pending.keys()]), waited]);
    clearTimeout(timer);
  }
  return [];
}

/** The request's fields as recorded: secrets masked, large bodies reduced to their keys. */
function requestChanges(req: Request): unknown {
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || !Object.keys(body).length) return null;
  const masked = mask(body);
  const text = JSON.stringify(masked);
  if (text.length <= MAX_CHANGES) return { request: masked };
  return { request: { truncated: true, bytes: text.length, keys: Object.keys(body).slice(0, 50) } };
}

/**
 * The chain of a request no service placed: a refusal (401/403/404) goes to the platform's chain;
 * an invalid request to the organisation it names or the caller's only one. On the platform's chain
 * a member's request keeps only its field names: platform administrators read that chain and
 * never organisation data.
 */
function chainAndChanges(req: Request, ctx: AuditRequestContext): { organizationId: string | null; changes: unknown } {
  const changes = requestChanges(req);
  if (ctx.organizationIds[0]) return { organizationId: ctx.organizationIds[0], changes };
  const memberships = req.caller?.memberships;
  if (!memberships?.size) return { organizationId: null, changes };
  // A request refused before reaching an organisation (another tenant's id, no right): a platform security event.
  const refused = [401, 403, 404].includes(req.res?.statusCode ?? 0);
  const named = [(req.body as { organizationId?: unknown } | undefined)?.organizationId, req.query.organizationId].find((v) => typeof v === 'string' && memberships.has(v));
  if (!refused && typeof named === 'string') return { organizationId: named, changes };
  if (!refused && memberships.size === 1 && !req.caller?.platformRoles.length) return { organizationId: [...memberships.keys()][0]!, changes };
  const body = req.body as Record<string, unknown> | undefined;
  return { organizationId: null, changes: body && typeof body === 'object' && Object.keys(body).length ? { request: { keys: Object.keys(body).slice(0, 50) } } : null };
}

/**
 * Records every unsafe request (and every download/export) in the audit trail once the response
 * has been sent: who, from where, the route, the outcome, the organisation the request was granted
 * (noted by OrganizationScope) and the request's fields. After the response, so the handler's
 * transaction has ended (SQLite's one connection is free); new routes are covered with no work.
 * Old → new values of the domain's fields are recorded by the services inside their transactions.
 */
export function auditRequests(db: Knex, onError: (err: unknown, req: Request) => void) {
  const writer = new AuditWriter(db);
  return (req: Request, res: Response, next: NextFunction): void => {
    const ctx: AuditRequestContext = {
      ip: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
      caller: () => req.caller,
      organizationIds: [],
    };
    req.audit = ctx;
    const record = !SAFE.has(req.method) || (req.method === 'GET' && DOWNLOAD.test(req.path));
    if (record) {
      let createdId: string | undefined;
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const id = (body as { id?: unknown } | null)?.id;
        if (typeof id === 'string') createdId = id;
        return json(body);
      };
      // Registered now, so auditSettled() also waits for responses whose client finished first.
      let done!: () => void;
      const settled = new Promise<void>((resolve) => (done = resolve));
      const entry = { request: `${req.method} ${req.originalUrl.split('?')[0]}`, state: 'response open' as 'response open' | 'entry being written' };
      pending.set(settled, entry);
      void settled.then(() => pending.delete(settled));
      // 'close' follows 'finish', and also comes when the client went away mid-response (recorded as such).
      res.once('close', () => {
        if (res.locals.audited) return done();
        entry.state = 'entry being written';
        const api = req.originalUrl.startsWith('/api/v1/') ? '/api/v1' : '';
        const path = req.path.startsWith('/api/v1/') ? req.path.slice(7) : req.path;
        const routePath = (req.route as { path?: string } | undefined)?.path;
        const segments = path.split('/').filter(Boolean);
        const { organizationId, changes } = chainAndChanges(req, ctx);
        writer
          .append({
            organizationId,
            action: `${req.method} ${routePath ? api + routePath : `${api}${path} (no route)`}`,
            targetType: segments[0] ?? null,
            targetId: segments[1] ?? createdId ?? null,
            status: res.statusCode,
            changes: res.writableFinished ? changes : { ...(changes as object | null), aborted: true },
            actorId: req.caller?.userId ?? null,
            actorName: req.caller?.username ?? null,
            ip: ctx.ip,
            userAgent: ctx.userAgent,
          })
          .catch((err) => onError(err, req))
          .finally(done);
      });
    }
    next();
  };
}

/**
 * Re-enters the request's audit context after body parsing and authentication: stream callbacks
 * (body parsers) do not carry the async context, so services would otherwise not see it.
 */
export function bindAuditContext(req: Request, _res: Response, next: NextFunction): void {
  if (req.audit) auditStorage.run(req.audit, next);
  else next();
}
