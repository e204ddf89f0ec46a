import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { PLATFORM_POLICY, ROLE_PERMISSIONS, type PlatformAction } from '../../server/context.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { probeSchemas, send, validBodies } from '../utils/sweep.js';
import { fillPath, paramKinds, tenantIds, type IdKind } from '../utils/tenants.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Role = 'officer' | 'consultant' | 'auditor' | 'system_admin' | 'security_admin' | 'audit_admin';
const USERS: Record<Role, string> = { officer: 'officer', consultant: 'consultant', auditor: 'auditor', system_admin: 'admin', security_admin: 'secadmin', audit_admin: 'auditadmin' };
const ORG_ROLES = new Set<Role>(['officer', 'consultant', 'auditor']);
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const SHARED_KINDS = new Set<IdKind>(['code', 'version', 'user', 'template_version', 'decision', 'session']);

/** Whether the permission the document states (`x-dengbao-permission`: one or more alternatives joined by ` or `) lets `role` in. */
function allowed(permission: string, role: Role): boolean {
  return permission.split(' or ').some((p) => allowedOne(p, role));
}
function allowedOne(permission: string, role: Role): boolean {
  const [kind, what] = permission.split(':') as [string, string];
  if (kind === 'public' || kind === 'signed-in') return true;
  if (kind === 'org') return ORG_ROLES.has(role) && (ROLE_PERMISSIONS[role as 'officer'] as readonly string[]).includes(what);
  if (kind === 'platform') return (PLATFORM_POLICY[what as PlatformAction] as readonly string[]).includes(role);
  throw new Error(`unknown permission ${permission}`);
}

/**
 * The permissions the OpenAPI document states are enforced: every operation is called as each
 * role of the demo's city-brain organisation and each platform role (三权分立), with that
 * organisation's real ids. A role the document says lacks the permission gets 403 (404 when it is
 * not a member: the organisation's data is hidden), with a body validation accepts, so refusing
 * for the body cannot pass for refusing for the role; a list without ids shows it none of the
 * organisation's data. A role the document says has it never gets 401 or 403 (writes are sent a
 * body with one stray field, so they change nothing). Without a session, every non-public route is 401.
 */
describeEachEngine('OpenAPI permissions are the ones the routes enforce', (ctx) => {
  let app: Express;
  let doc: Json;
  const agents = new Map<Role, Agent>();
  let ids: Partial<Record<IdKind, string>>;

  before(async function () {
    this.timeout(300_000);
    app = await createTestApp(ctx.db);
    doc = (await supertest(app).get('/api/v1/openapi.json').expect(200)).body;
    for (const role of Object.keys(USERS) as Role[]) agents.set(role, await signIn(app, USERS[role]));
    const { citybrain, bank } = await demoOrganizations(ctx.db);
    const officer = agents.get('officer')!;
    // Records the demo lacks, so their routes are reached with real ids.
    await officer.post('/api/v1/evidence').query({ organizationId: citybrain }).field('title', 'perm').field('kind', 'other').attach('file', png(4242), 'p.png').expect(201);
    await officer.post('/api/v1/evidence-requests').send({ organizationId: citybrain, title: 'perm', requestedFrom: 'ops', dueDate: '2027-01-01' }).expect(201);
    await officer.post('/api/v1/platforms').send({ organizationId: citybrain, provider: 'p', product: 'perm', level: 3, reportNumber: 'R-1', assessingOrganization: 'A', conclusion: '符合', testDate: '2026-01-01' }).expect(201);
    ids = await tenantIds(ctx.db, citybrain);
    if (ids.system) await officer.post(`/api/v1/systems/${ids.system}/inspections`).send({ kind: 'self', inspectedOn: '2026-11-01', result: 'ok' }).expect(201);
    ids = await tenantIds(ctx.db, citybrain);
    // Account routes (reset a second factor, disable, unlock) act on another organisation's officer: not on a caller here.
    ids.user = ((await ctx.db.knex('users').where({ username: 'officer2' }).first('id')) as { id: string }).id;
    // The schemas routes validate with, recorded by one refused request each (sweep.ts), for valid bodies.
    const officer2 = await signIn(app, 'officer2');
    void bank;
    await probeSchemas(app, [{ agent: officer2, csrf: '' }, { agent: agents.get('auditor')!, csrf: '' }], ids);
  });

  it('every operation: roles without its permission are refused (403, or 404 outside the organisation), roles with it are not; no session is 401', async function () {
    this.timeout(600_000);
    const operations = Object.entries(doc.paths as Json).flatMap(([p, ops]) =>
      Object.entries(ops as Json).map(([method, op]) => ({ method: method.toUpperCase(), pattern: p.replace(/\{(\w+)\}/g, ':$1'), permission: op['x-dengbao-permission'] as string })),
    );
    // Reads first, then writes, deletions last, and the removal of a membership at the very end: a write
    // a permitted role makes must not take away what the next checks need.
    const accounts = (o: { method: string; pattern: string }) => o.method !== 'GET' && /^\/(organizations\/:id\/members|users|me|tokens)/.test(o.pattern);
    const rank = (o: { method: string; pattern: string }) => (o.method === 'GET' ? 0 : accounts(o) ? (o.method === 'DELETE' ? 4 : 3) : o.method === 'DELETE' ? 2 : 1);
    operations.sort((a, b) => rank(a) - rank(b));
    const cityValues = Object.entries(ids).filter(([k, v]) => v && !SHARED_KINDS.has(k as IdKind)).map(([, v]) => v!);
    const lies: string[] = [];
    const inconclusive: string[] = [];
    let requests = 0;
    for (const op of operations) {
      if (op.pattern === '/auth/logout' || op.pattern === '/me/sessions/:id') continue; // would end the callers' own sessions
      const route = { method: op.method, path: `/api/v1${op.pattern}` };
      const key = `${op.method} ${op.pattern} [${op.permission}]`;
      // A list filtered by organisation is asked for the city brain's (the audit trail needs it).
      const byOrganization = op.method === 'GET' && (doc.paths[op.pattern.replace(/:(\w+)/g, '{$1}')].get.parameters as Json[]).some((x) => x.in === 'query' && x.name === 'organizationId');
      const path = `${fillPath(route.path, ids, UNKNOWN)}${byOrganization ? `?organizationId=${ids.organization}` : ''}`;
      const withIds = paramKinds(route.path).some((k) => !SHARED_KINDS.has(k.kind));
      if (op.permission !== 'public') {
        requests++;
        const anonymous = await send({ agent: supertest(app), route, path, body: op.method === 'GET' ? undefined : { '\u{1F50E}probe': 1 } });
        // 401, or 400 where a route validates its input before it asks for the session: never an answer.
        if (anonymous.status !== 401 && anonymous.status !== 400) lies.push(`${key} without a session → ${anonymous.status}`);
      }
      const roles = [...agents.keys()];
      for (const role of roles.filter((r) => !allowed(op.permission, r))) {
        const body = op.method === 'GET' ? undefined : validBodies(route, ids, 1)[0];
        requests++;
        const res = await send({ agent: agents.get(role)!, route, path, body });
        const refused = res.status === 403 || (res.status === 404 && !(ORG_ROLES.has(role) && op.permission.startsWith('org:')));
        // A record of a kind the organisation has none of: its 404 comes before any permission check.
        const missing = paramKinds(route.path).some((k) => !ids[k.kind]);
        if (res.status === 404 && missing) {
          inconclusive.push(`${key} as ${role} → 404 (no such record)`);
          continue;
        }
        // A body or state the route refuses before it asks for the role (400, 409) proves nothing either way: counted.
        if (res.status === 400 || res.status === 409) {
          inconclusive.push(`${key} as ${role} → ${res.status}`);
          continue;
        }
        const showsNothing = op.method === 'GET' && !withIds && res.status === 200 && !cityValues.some((v) => res.text.includes(v));
        if (!refused && !showsNothing) lies.push(`${key} as ${role} (document: not permitted) → ${res.status} ${res.text.slice(0, 120)}`);
      }
      for (const role of roles.filter((r) => allowed(op.permission, r))) {
        requests++;
        const res = await send({ agent: agents.get(role)!, route, path, body: op.method === 'GET' ? undefined : { '\u{1F50E}probe': 1 } });
        if (res.status === 401 || res.status === 403) lies.push(`${key} as ${role} (document: permitted) → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    console.log(`      ${requests} requests over ${operations.length} operations; ${inconclusive.length} refusals for the body or state, not the role`);
    expect(lies, lies.join('\n')).to.deep.equal([]);
  });
});
