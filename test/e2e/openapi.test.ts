import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { routeSchemas } from '../../server/http/route-schemas.js';
import { ROUTE_SCHEMAS } from '../../server/http/openapi/schemas.js';
import { createTestApp, demoOrganizations, signIn } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { routeTable } from '../utils/routes.js';
import { fillPath, tenantIds } from '../utils/tenants.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describeEachEngine('OpenAPI description of the API', (ctx) => {
  let app: Express;
  let doc: Json;
  before(async () => {
    app = await createTestApp(ctx.db);
    doc = (await supertest(app).get('/api/v1/openapi.json').expect(200).expect('content-type', /json/)).body;
  });

  it('is an OpenAPI 3.1 document with the error shape and the session and token schemes', () => {
    expect(doc.openapi).to.equal('3.1.0');
    expect(doc.info.title).to.be.a('string');
    expect(doc.servers).to.deep.equal([{ url: '/api/v1' }]);
    expect(doc.components.schemas.Error.properties.error.required).to.deep.equal(['code', 'message']);
    expect(Object.keys(doc.components.securitySchemes)).to.deep.equal(['session', 'token']);
  });

  it('validates against the official OpenAPI 3.1 meta-schema, and every schema in it against JSON Schema 2020-12', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? [], 'OpenAPI 3.1 meta-schema errors').to.deep.equal([]);
    expect(result.valid).to.equal(true);
    // The 3.1 meta-schema leaves Schema Objects to their dialect (2020-12): each is checked against it too.
    const ajv = new Ajv2020({ strict: false });
    const bad: string[] = [];
    const visit = (where: string, schema: unknown) => {
      if (schema && !ajv.validateSchema(schema as object)) bad.push(`${where}: ${ajv.errorsText(ajv.errors)}`);
    };
    for (const [p, ops] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        for (const x of op.parameters as Json[]) visit(`${method} ${p} ${x.in} ${x.name}`, x.schema);
        for (const [media, c] of Object.entries((op.requestBody?.content ?? {}) as Json)) visit(`${method} ${p} body ${media}`, c.schema);
      }
    }
    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) visit(`components ${name}`, schema);
    expect(bad).to.deep.equal([]);
    // The check can fail: a parameter in a place OpenAPI 3.1 has not, and a schema of an unknown type, are refused.
    const broken = structuredClone(doc);
    broken.paths['/systems'].get.parameters.push({ name: 'x', in: 'body' });
    expect((await new Validator().validate(broken)).valid).to.equal(false);
    expect(ajv.validateSchema({ type: 'text' })).to.equal(false);
  });

  it('describes every route express answers under /api/v1, and no route that does not exist', () => {
    const described = new Set(Object.entries(doc.paths as Json).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${p.replace(/\{(\w+)\}/g, ':$1')}`)));
    const answered = routeTable(app).filter((r) => r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${r.path}`);
    expect(answered.filter((r) => !described.has(r)), 'routes with no description').to.deep.equal([]);
    expect([...described].filter((r) => !answered.includes(r)), 'described routes express does not answer').to.deep.equal([]);
  });

  it('names, for every operation, the path parameters of its express path, its permission and its error responses', () => {
    const operationIds = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths as Json)) {
      const names = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops as Json)) {
        const where = `${method} ${p}`;
        expect(op.parameters.filter((x: Json) => x.in === 'path').map((x: Json) => x.name), where).to.deep.equal(names);
        expect(op.parameters.filter((x: Json) => x.in === 'path').every((x: Json) => x.required === true), where).to.equal(true);
        expect(op['x-dengbao-permission'], where).to.match(/^(public|signed-in|(org:(read|download|edit|manage|audit)|platform:[a-z]+\.[a-z]+)( or (org:(read|download|edit|manage|audit)|platform:[a-z]+\.[a-z]+))*)$/);
        expect(op.responses['400'].content['application/json'].schema.$ref, where).to.equal('#/components/schemas/Error');
        expect(operationIds.has(op.operationId), `${where}: duplicate operationId`).to.equal(false);
        operationIds.add(op.operationId);
      }
    }
  });

  it('takes parameters and bodies from the zod schemas the routes validate with', async () => {
    const list = doc.paths['/catalogue/items'].get;
    const pageSize = list.parameters.find((x: Json) => x.name === 'pageSize');
    expect(pageSize).to.deep.include({ in: 'query', required: false });
    expect(pageSize.schema.maximum).to.equal(500);
    const create = doc.paths['/systems'].post.requestBody.content['application/json'].schema;
    expect(create.required).to.include.members(['organizationId', 'name', 'deployment']);
    expect(create.properties.deployment.enum).to.deep.equal(['on_premises', 'cloud']);
    expect(create.additionalProperties).to.equal(false);
    expect(doc.paths['/systems/{id}'].get.parameters[0].schema.format).to.equal('uuid');
    expect(doc.paths['/systems'].post['x-dengbao-permission']).to.equal('org:manage');
    const upload = doc.paths['/evidence'].post.requestBody.content['multipart/form-data'].schema;
    expect(upload.required).to.include.members(['title', 'kind', 'file']);
    expect(upload.properties.file).to.deep.equal({ type: 'string', format: 'binary' });
    expect(doc.paths['/assessments/{id}/results/{code}'].put.requestBody.content['application/json'].schema.properties.value.enum).to.include('conform');
  });

  it('every schema in the registry is the very object its route validates with (recorded when the route runs), and every list documents its query', async function () {
    this.timeout(180_000);
    // The officer, and the security administrator for the routes only platform roles reach.
    const callers = [await signIn(app, 'officer'), await signIn(app, 'secadmin')];
    const unknown = '00000000-0000-4000-8000-000000000000';
    const ids = await tenantIds(ctx.db, (await demoOrganizations(ctx.db)).citybrain);
    const unchecked: string[] = [];
    const wrong: string[] = [];
    const undocumentedLists: string[] = [];
    const keys = new Set([...Object.keys(ROUTE_SCHEMAS), ...routeTable(app).filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/')).map((r) => `GET ${r.path.slice('/api/v1'.length)}`)]);
    for (const key of keys) {
      const schemas = ROUTE_SCHEMAS[key] ?? {};
      const [method, pattern] = key.split(' ') as [string, string];
      // Reads with the organisation's real ids, so a list gets as far as its query; writes with unknown
      // ids and a body with one stray field: validation refuses or the record is not found; nothing changes.
      const path = `/api/v1${method === 'GET' ? fillPath(pattern, ids, unknown) : pattern.replace(/:code\b/, 'L3-CES1-01').replace(/:\w+/g, unknown)}`;
      for (const caller of callers) {
        const req = caller[method.toLowerCase() as 'get'](path);
        const res = await (method === 'GET' ? req : req.send({ '\u{1F50E}probe': 1 }));
        // A list answers with X-Total-Count (server/http/pagination.ts): its document must name pageSize and cursor.
        if (res.status === 200 && res.headers['x-total-count'] !== undefined) {
          const names = (doc.paths[pattern.replace(/:(\w+)/g, '{$1}')]?.get?.parameters ?? []).filter((x: Json) => x.in === 'query').map((x: Json) => x.name);
          if (!names.includes('pageSize') || !names.includes('cursor')) undocumentedLists.push(key);
        }
      }
      if (!Object.keys(schemas).length) continue;
      const recorded = routeSchemas(method, `/api/v1${pattern}`) ?? {};
      const checked = Object.keys(schemas).filter((loc) => recorded[loc as keyof typeof recorded]);
      // A read must confirm every location (its query included); a write at least one (it stops at the unknown id).
      if (method === 'GET' ? checked.length < Object.keys(schemas).length : !checked.length) unchecked.push(`${key} ${Object.keys(schemas).filter((l) => !checked.includes(l)).join(',')}`);
      for (const loc of checked) if (recorded[loc as keyof typeof recorded] !== schemas[loc as keyof typeof schemas]) wrong.push(`${key} ${loc}`);
    }
    expect(wrong, 'registry schema differs from the one the route validates with').to.deep.equal([]);
    expect(unchecked, 'registry entries no request could confirm').to.deep.equal([]);
    expect([...new Set(undocumentedLists)], 'lists whose query (pageSize, cursor) the document does not name').to.deep.equal([]);
    // The lists' filters and sorts are there too, with their limits.
    const params = (p: string) => Object.fromEntries((doc.paths[p].get.parameters as Json[]).filter((x) => x.in === 'query').map((x) => [x.name, x.schema]));
    expect(Object.keys(params('/assessments'))).to.include.members(['systemId', 'organizationId', 'status', 'kind', 'pageSize', 'cursor']);
    expect(params('/assessments/{id}/results').value.enum).to.include('conform');
    expect(params('/platforms/{id}/responsibilities').level).to.deep.include({ minimum: 2, maximum: 4 });
    expect(params('/systems/{id}/history').pageSize.maximum).to.equal(500);
  });

  it('describes with the very schema objects the routes validate with (recorded when a route runs)', async () => {
    const officer = await signIn(app, 'officer');
    await officer.post('/api/v1/systems').send({ stray: 1 }).expect(400);
    await officer.get('/api/v1/catalogue/items?pageSize=1').expect(200);
    expect(routeSchemas('POST', '/api/v1/systems')?.body).to.equal(ROUTE_SCHEMAS['POST /systems']!.body);
    expect(routeSchemas('GET', '/api/v1/catalogue/items')?.query).to.equal(ROUTE_SCHEMAS['GET /catalogue/items']!.query);
  });

  it('serves the API reference page from swagger-ui-dist with its assets, under the CSP (no inline script)', async () => {
    const page = await supertest(app).get('/api/docs').expect(200).expect('content-type', /html/);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).to.match(/script-src 'self'/);
    expect(csp).not.to.match(/script-src[^;]*unsafe-inline/);
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.every((m) => m[2]!.trim() === ''), 'no inline script').to.equal(true);
    const assets = [...page.text.matchAll(/(?:src|href)="(\/api\/docs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).to.include.members(['/api/docs/assets/swagger-ui.css', '/api/docs/assets/swagger-ui-bundle.js', '/api/docs/init.js']);
    for (const asset of assets) {
      const res = await supertest(app).get(asset).expect(200);
      expect(res.headers['content-type'], asset).to.match(asset.endsWith('.css') ? /text\/css/ : /javascript/);
    }
    expect((await supertest(app).get('/api/docs/init.js')).text).to.include("'/api/v1/openapi.json'");
  });

  it('links the API reference in the navigation of signed-in users, translated', async () => {
    const officer = await signIn(app, 'officer');
    const zh = await officer.get('/').redirects(1).set('accept-language', 'zh-CN');
    expect(zh.text).to.include('<a href="/api/docs">API 参考</a>');
    const anonymous = await supertest(app).get('/login');
    expect(anonymous.text).not.to.include('href="/api/docs"');
  });
});
