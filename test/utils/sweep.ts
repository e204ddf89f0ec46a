import type { Express } from 'express';
import fc from 'fast-check';
import supertest from 'supertest';
import { routeSchemas, type RouteSchemas } from '../../server/http/route-schemas.js';
import type { Agent } from './app.js';
import { png } from './files.js';
import { routeTable, type RouteEntry } from './routes.js';
import { fillPath, type IdKind } from './tenants.js';
import { validSamples } from './zod-arbitrary.js';

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isPage = (r: RouteEntry) => !r.path.startsWith('/api/');
export const isWrite = (r: RouteEntry) => WRITE_METHODS.has(r.method);
export const label = (r: RouteEntry) => `${r.method} ${r.path}`;

/** Routes that hold no organisation data: signing in and out, one's own account, the language switch, the health check. */
const ACCOUNT_ROUTE_SET = new Set([
  'GET /healthz', 'POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'GET /api/v1/me', 'GET /api/v1/tokens', 'POST /api/v1/tokens',
  'GET /login', 'POST /login', 'POST /logout', 'GET /lang', 'GET /org',
]);
/** The caller's own account and session (not organisation data): /me…, /account…, the sign-in's second step. */
export const ACCOUNT_ROUTES = {
  has: (key: string) => ACCOUNT_ROUTE_SET.has(key) || /^[A-Z]+ \/(api\/v1\/me(\/|$)|account(\/|$)|login\/mfa$)/.test(key),
};

/** Field names in bodies and queries that hold an id of a kind (`organizationId` → organization). */
const FIELD_KINDS: Record<string, IdKind> = {
  organizationId: 'organization', systemId: 'system', assessmentId: 'assessment', evidenceId: 'evidence', reportEvidenceId: 'evidence',
  requestId: 'evidence_request', platformId: 'platform', retestOf: 'assessment', objectId: 'object', findingId: 'finding',
};

/** Points every id field of a body at `ids` (recursively). */
export function aimAt(value: unknown, ids: Partial<Record<IdKind, string>>): unknown {
  if (Array.isArray(value)) return value.map((v) => aimAt(v, ids));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, FIELD_KINDS[k] && typeof v === 'string' && ids[FIELD_KINDS[k]] ? ids[FIELD_KINDS[k]] : aimAt(v, ids)]));
}

/** Multipart form values are strings: arrays comma-joined, objects skipped. */
function formFields(value: unknown): Array<[string, string]> {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]): Array<[string, string]> =>
    v === null || v === undefined || typeof v === 'object' ? (Array.isArray(v) ? [[k, v.join(',')]] : []) : [[k, String(v)]],
  );
}

export interface SendOptions {
  agent: Agent | ReturnType<typeof supertest>;
  route: RouteEntry;
  path: string;
  body?: unknown;
  csrf?: string;
  /** Send the body as a multipart form with a small PNG as `file`. */
  multipart?: boolean;
}

/** One request as a client would send it: JSON for the API, a form for pages (with the CSRF token), multipart for uploads. */
export function send({ agent, route, path, body, csrf, multipart }: SendOptions) {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const url = csrf && isWrite(route) && isPage(route) ? `${path}${path.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(csrf)}` : path;
  let req = (agent as ReturnType<typeof supertest>)[method](url);
  if (multipart) {
    for (const [k, v] of formFields(body)) req = req.field(k, v);
    return req.attach('file', png(Math.floor(Math.random() * 1e6)), 'fuzz.png');
  }
  if (!isWrite(route) || body === undefined) return req;
  if (isPage(route)) return req.type('form').send(formFields(body).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
  return req.send(body as object);
}

/**
 * Fills the schema registry (server/http/route-schemas.ts): one request per write route and
 * prober that its validation refuses (an unknown field), as callers who may not write there (a
 * member of another organisation, an auditor of this one) — nothing changes.
 */
export async function probeSchemas(app: Express, probes: Array<{ agent: Agent; csrf: string }>, ids: Partial<Record<IdKind, string>>): Promise<void> {
  for (const route of routeTable(app).filter(isWrite)) {
    if (ACCOUNT_ROUTES.has(label(route))) continue;
    const path = fillPath(route.path, ids, '00000000-0000-4000-8000-000000000000');
    for (const { agent, csrf } of probes) await send({ agent, route, path, body: { '\u{1F50E}probe': 1 }, csrf });
  }
}

export const schemasOf = (route: RouteEntry): RouteSchemas => routeSchemas(route.method, route.path) ?? {};

/** Bodies a route's validation accepts, aimed at `ids`; `[undefined]` when it declares none. */
export function validBodies(route: RouteEntry, ids: Partial<Record<IdKind, string>>, count = 4): unknown[] {
  const s = schemasOf(route);
  const schema = s.body ?? s.multipart;
  if (!schema) return [undefined];
  const all = Object.values(ids).filter((x): x is string => !!x && /^[0-9a-f-]{36}$/.test(x));
  const samples = validSamples(schema, { ids: all, text: fc.constantFrom('a', 'b', '测', '评', '1', ' ') }, count);
  return samples.length ? samples.map((b) => aimAt(b, ids)) : [undefined];
}
