import { expect } from 'chai';
import type { Express } from 'express';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, DEMO_PASSWORD, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { routeTable, type RouteEntry } from '../utils/routes.js';
import { isPage, isWrite, label, probeSchemas, schemasOf } from '../utils/sweep.js';
import { fillPath, tenantIds, type IdKind } from '../utils/tenants.js';
import { arbitraryFor, junkFor, type ArbitraryOptions } from '../utils/zod-arbitrary.js';

/**
 * Cases per route: FUZZ_RUNS=2000 for a long run; 100 by default. The seed changes every run, so
 * CI explores new cases each time while the suite stays within its time budget.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
/** Page forms (no zod schema of their own: handlers read named fields) get a quarter of the cases. */
const PAGE_RUNS = Math.max(30, Math.floor(RUNS / 4));

/**
 * U+0000: PostgreSQL text columns refuse it and every route answered 500 (issue 13 defect 4); it
 * is now refused with 400 at validation, so it is fuzzed on both engines.
 */
const fuzzNul = (_engine: string) => true;

/**
 * Characters fuzzed strings are made of: ASCII, Chinese, the awkward ones (markup, quotes,
 * backslash, percent, zero-width, BOM, astral, newline), any BMP code unit including lone
 * surrogates, and U+0000 (see fuzzNul).
 */
function textUnit(nul: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', '9', ' ', '-', '_', '.', '中', '测', '评', '等', '保') },
    { weight: 2, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", '\\', '%', '/', '\n', '\t', '\r', '\u200b', '\ufeff', '\u{20000}', '😀', '\u202e') },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)) },
    { weight: nul ? 1 : 0, arbitrary: fc.constant('\u0000') },
  );
}

/** Parameters whose routes change who may sign in or what exists: aimed at throwaway records, not the fuzzing users. */
const LAST = (r: RouteEntry) => (r.method === 'DELETE' ? 1 : 0);

/** A fetch client with a session cookie on one listening server (keep-alive: thousands of requests in seconds). */
function client(base: string, cookie: string) {
  return async (method: string, path: string, init: { json?: unknown; form?: Array<[string, string]>; multipart?: Array<[string, string]>; raw?: string } = {}) => {
    const headers: Record<string, string> = { cookie, accept: 'application/json' };
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.raw !== undefined) {
      headers['content-type'] = 'application/json';
      body = init.raw;
    } else if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.multipart) {
      const fd = new FormData();
      for (const [k, v] of init.multipart) fd.append(k, v);
      fd.append('file', new Blob([new Uint8Array(png(Math.floor(Math.random() * 1e6)))], { type: 'image/png' }), 'fuzz.png');
      body = fd;
    }
    const res = await fetch(base + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, text };
  };
}

/** Signs in over HTTP and returns the session and CSRF cookies, and the form token. */
async function session(base: string, username: string): Promise<{ cookie: string; csrf: string }> {
  const cookies = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  if (login.status !== 200) throw new Error(`sign-in as ${username}: ${login.status}`);
  const jar = cookies(login);
  const page = await fetch(`${base}/`, { headers: { cookie: jar.join('; ') }, redirect: 'manual' });
  jar.push(...cookies(page));
  const seed = jar.find((c) => c.startsWith('dengbao_csrf='))!.slice('dengbao_csrf='.length);
  const csrf = createHmac('sha256', 'test-secret-test-secret-test-secret-1234').update(decodeURIComponent(seed)).digest('base64url');
  return { cookie: jar.join('; '), csrf };
}

/** Form and multipart values are strings: scalars as they are, arrays comma-joined, the rest as JSON. */
const asFields = (v: unknown): Array<[string, string]> =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.entries(v).map(([k, x]): [string, string] => [k, typeof x === 'string' ? x : Array.isArray(x) ? x.map(String).join(',') : JSON.stringify(x) ?? ''])
    : [['value', typeof v === 'string' ? v : JSON.stringify(v) ?? '']];

describeEachEngine('fuzz: every write route from its schema', (ctx) => {
  let app: Express;
  let server: Server;
  let base: string;
  let ids: Partial<Record<IdKind, string>>;
  let opts: ArbitraryOptions;
  let TEXT: fc.Arbitrary<string>;
  let officer: Agent, admin: Agent;
  const fieldNames = new Set(['back', 'hash', 'action', 'value', 'record', 'reason', 'code', 'objectId', 'rowVersion', 'name', 'username', 'password', 'role', 'organizationId']);

  before(async function () {
    this.timeout(300_000);
    // No browser: PDF report requests answer 503 browser_unavailable (documented) instead of printing hundreds of PDFs.
    app = await createTestApp(ctx.db, {}, { printer: new PdfPrinter(undefined) });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    officer = await signIn(app, 'officer');
    admin = await signIn(app, 'admin');
    const officer2 = await signIn(app, 'officer2');
    const auditor = await signIn(app, 'auditor');
    const orgs = await demoOrganizations(ctx.db);
    // Throwaway records for the routes that disable users, change roles or revoke tokens.
    const spare = await admin.post('/api/v1/users').send({ username: 'fuzz-spare', displayName: 'Fuzz', password: DEMO_PASSWORD }).expect(201);
    const membership = await officer.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'fuzz-spare', role: 'auditor' }).expect(201);
    const token = await officer.post('/api/v1/tokens').send({ name: 'fuzz' }).expect(201);
    ids = { ...(await tenantIds(ctx.db, orgs.citybrain)), user: spare.body.id, membership: membership.body.id, token: token.body.id };
    TEXT = textUnit(fuzzNul(ctx.engine));
    opts = { ids: Object.values(ids).filter((x): x is string => !!x && x.length === 36), text: TEXT };
    await probeSchemas(app, [{ agent: officer2, csrf: await csrfOf(officer2) }, { agent: auditor, csrf: await csrfOf(auditor) }], ids);
    for (const r of routeTable(app)) {
      const s = schemasOf(r);
      for (const schema of [s.body, s.multipart]) {
        const shape = (schema as unknown as { shape?: Record<string, unknown> })?.shape;
        if (shape) for (const k of Object.keys(shape)) fieldNames.add(k);
      }
    }
  });
  after(async () => {
    server?.close();
    server?.closeAllConnections?.();
  });

  it(`answers every write route with no 5xx and no crash (${RUNS} cases per route, pages ${PAGE_RUNS})`, async function () {
    // 176 write routes × 100 cases: 70–100 s on an idle 2-core machine, past 600 s when it is loaded.
    this.timeout(1_200_000);
    const started = Date.now();
    const routes = routeTable(app)
      .filter(isWrite)
      .filter((r) => !/logout$/.test(r.path))
      .sort((a, b) => LAST(a) - LAST(b));
    const asOfficer = await session(base, 'officer');
    const asAdmin = await session(base, 'admin');
    const officerCall = client(base, asOfficer.cookie);
    const adminCall = client(base, asAdmin.cookie);
    const anonymous = client(base, '');
    const failures: string[] = [];
    const counts: string[] = [];
    let total = 0;
    for (const route of routes) {
      const key = label(route);
      const admins = /\/users|^POST \/api\/v1\/organizations$|\/admin\//.test(key);
      const call = /login$/.test(route.path) ? anonymous : admins ? adminCall : officerCall;
      const csrf = admins ? asAdmin.csrf : asOfficer.csrf;
      const path = fillPath(route.path, ids, '00000000-0000-4000-8000-000000000000');
      const url = isPage(route) ? `${path}?_csrf=${encodeURIComponent(csrf)}` : path;
      const s = schemasOf(route);
      const schema = s.body ?? s.multipart;
      let input: fc.Arbitrary<unknown>;
      if (schema) input = fc.oneof({ weight: 3, arbitrary: arbitraryFor(schema, opts) }, { weight: 1, arbitrary: junkFor(schema, opts) });
      else if (isPage(route)) input = fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(fc.string({ unit: TEXT, maxLength: 30 }), fc.constantFrom(...opts.ids)), { maxKeys: 6 });
      else input = fc.jsonValue({ maxDepth: 3 });
      const runs = isPage(route) ? PAGE_RUNS : RUNS;
      let n = 0;
      const t0 = Date.now();
      const bad: string[] = [];
      // The cases are drawn from a seed (printed on failure, FUZZ_SEED to replay) and sent four at a
      // time: password hashing and PostgreSQL round trips overlap, keeping the default run short.
      const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
      const cases = fc.sample(fc.tuple(input, fc.integer({ min: 0, max: 9 })), { numRuns: runs, seed });
      const one = async ([value, shape]: [unknown, number]) => {
        n++;
        try {
          const res = s.multipart
            ? await call(route.method, url, { multipart: asFields(value) })
            : isPage(route)
              ? await call(route.method, url, { form: asFields(value) })
              : shape === 0
                ? await call(route.method, url, { raw: JSON.stringify(value).slice(0, -1) }) // truncated JSON
                : await call(route.method, url, { json: value });
          if (res.status === 503 && res.text.includes('browser_unavailable')) return; // documented: no Chromium in this test
          if (res.status >= 500 && bad.length < 3) bad.push(`${key} ${res.status} ${res.text.slice(0, 200)} ← ${JSON.stringify(value).slice(0, 300)} (FUZZ_SEED=${seed})`);
        } catch (err) {
          if (bad.length < 3) bad.push(`${key}: ${(err as Error).message} ← ${JSON.stringify(value).slice(0, 300)} (FUZZ_SEED=${seed})`);
        }
      };
      for (let i = 0; i < cases.length; i += 4) await Promise.all(cases.slice(i, i + 4).map(one));
      failures.push(...bad);
      total += n;
      counts.push(`${key}: ${n} in ${Date.now() - t0} ms`);
    }
    const health = await fetch(`${base}/healthz`);
    expect(health.status, 'the server still answers').to.equal(200);
    if (process.env.FUZZ_VERBOSE) console.log(counts.join('\n'));
    console.log(`      ${routes.length} write routes, ${total} requests in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });
});
