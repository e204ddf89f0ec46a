import { expect } from 'chai';
import type { Express } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { oscalValidator } from '../../reports/oscal/schema-check.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ajvErrors } from '../utils/oscal-ajv.js';
import { allPages } from '../utils/pages.js';
import { ROOT } from '../utils/process.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const FIXTURE = path.join(ROOT, 'fixtures', 'oscal', 'vendor-component-definition.json');
const PRODUCT = 'oscal-b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';

describeEachEngine('OSCAL import of a vendor component-definition as an organisation product', (ctx) => {
  let app: Express;
  let officer: Agent, officer2: Agent, auditor: Agent;
  let org: string;
  const fixture = (): Json => JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const send = (agent: Agent, doc: unknown, query: string) =>
    agent.post(`/api/v1/oscal/import${query}`).attach('file', Buffer.from(JSON.stringify(doc)), { filename: 'vendor.json', contentType: 'application/json' });
  const imported = async (agent: Agent) => (await allPages<Json>(agent, '/api/v1/products?pageSize=200')).filter((p) => p.imported);
  before(async function () {
    this.timeout(120_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    officer2 = await signIn(app, 'officer2');
    auditor = await signIn(app, 'auditor');
    org = (await demoOrganizations(ctx.db)).citybrain;
  });

  it('the fixture is a valid OSCAL component-definition (NIST schema)', () => {
    expect(ajvErrors('component', fixture())).to.deep.equal([]);
    expect(oscalValidator('component').validate(fixture())).to.deep.equal([]);
  });

  it('dry run: the software component, its matched units, the skipped policy and the unmatched control; nothing written; applying refused', async () => {
    const dry = (await send(officer, fixture(), `?organizationId=${org}&dryRun=1`).expect(200)).body;
    expect(dry).to.deep.include({ model: 'component-definition', target: 'product', dryRun: true, applied: false });
    expect(dry.document).to.deep.equal({ uuid: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', title: '示例安全科技 Web 应用防火墙：等保 2.0 映射（手写样例）', version: '2.1' });
    expect(dry.products).to.have.length(1);
    const [p] = dry.products;
    expect(p).to.deep.include({ productId: PRODUCT, vendor: '示例安全科技有限公司', name: '示例 Web 应用防火墙 V5', componentType: 'software' });
    const covers = p.covers.map((c: Json) => `${c.code} ${c.coverage}`);
    expect(covers).to.include.members(['L3-ABS1-05 full', 'L3-CES1-01 partial', 'L4-CES1-01 partial']);
    // The control point l3-ces1-cp-01: every one of its units, not just the first.
    expect(covers.filter((c: string) => c.startsWith('L3-CES1-')).length).to.be.greaterThan(1);
    expect(dry.skipped).to.deep.equal([{ path: '$.component-definition.components[1]', title: '示例安全运维制度', type: 'policy' }]);
    expect(dry.unmatched).to.deep.equal([{ path: '$.component-definition.components[0].control-implementations[0].implemented-requirements[3]', controlId: 'si-4', reason: 'unknown_control' }]);
    expect(await ctx.db.knex('imported_products').count({ n: '*' }).first().then((r) => Number(r?.n))).to.equal(0);
    const refused = await send(officer, fixture(), `?organizationId=${org}`).expect(400);
    expect(refused.body.error.details.map((d: Json) => `${d.code} ${d.path}`)).to.deep.equal(['unknown_control $.component-definition.components[0].control-implementations[0].implemented-requirements[3]']);
    expect(await imported(officer)).to.deep.equal([]);
  });

  it('fully matching: imports, lists in the organisation products (not in another), deploys on a system; re-import replaces', async function () {
    this.timeout(60_000);
    const doc = fixture();
    doc['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'].pop();
    // Permissions before the body: an auditor may dry-run but not apply; another organisation: 404.
    await send(auditor, doc, `?organizationId=${org}`).expect(403);
    await send(officer2, doc, `?organizationId=${org}&dryRun=1`).expect(404);
    const applied = (await send(officer, doc, `?organizationId=${org}`).expect(200)).body;
    expect(applied).to.deep.include({ target: 'product', applied: true, unmatched: [], replaced: 0 });
    const units = applied.units as number;

    const mine = await imported(officer);
    expect(mine.map((p) => p.id)).to.deep.equal([PRODUCT]);
    expect(mine[0]).to.deep.include({ name: { zh: '示例 Web 应用防火墙 V5', en: '示例 Web 应用防火墙 V5' } });
    expect(mine[0]!.vendor.name.zh).to.equal('示例安全科技有限公司');
    expect(mine[0]!.imported).to.deep.include({ organizationId: org, documentUuid: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', documentVersion: '2.1', componentType: 'software' });
    // Filter by a unit it maps.
    expect((await allPages<Json>(officer, '/api/v1/products?unit=L3-ABS1-05&pageSize=200')).map((p) => p.id)).to.include(PRODUCT);
    expect(await imported(officer2)).to.deep.equal([]);

    const system = await ctx.db.knex('systems').where({ organization_id: org }).orderBy('created_at').first('id');
    const deployed = (await officer.post(`/api/v1/systems/${system.id}/deployed-products`).send({ productId: PRODUCT }).expect(201)).body;
    expect(deployed.product.name.zh).to.equal('示例 Web 应用防火墙 V5');
    expect(deployed.coveredUnits).to.equal(units);
    const list = (await officer.get(`/api/v1/systems/${system.id}/deployed-products`).expect(200)).body.data;
    expect(list.find((d: Json) => d.productId === PRODUCT).product.imported.documentUuid).to.equal('9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a');
    // Another organisation's system cannot deploy it (unknown there).
    const other = await ctx.db.knex('systems').whereNot({ organization_id: org }).orderBy('created_at').first('id', 'organization_id');
    const theirs = await officer2.post(`/api/v1/systems/${other.id}/deployed-products`).send({ productId: PRODUCT });
    expect(theirs.status).to.equal(400);

    // Re-import, version 2.2 with one unit less: replaced, not duplicated; the deployment keeps its product.
    doc['component-definition'].metadata.version = '2.2';
    doc['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'].shift();
    const again = (await send(officer, doc, `?organizationId=${org}`).expect(200)).body;
    expect(again).to.deep.include({ applied: true, replaced: 1 });
    const after = await imported(officer);
    expect(after.map((p) => `${p.id} ${p.imported.documentVersion}`)).to.deep.equal([`${PRODUCT} 2.2`]);
    expect(await ctx.db.knex('imported_product_units').pluck('code')).not.to.include('L3-ABS1-05');
    const list2 = (await officer.get(`/api/v1/systems/${system.id}/deployed-products`).expect(200)).body.data;
    expect(list2.find((d: Json) => d.productId === PRODUCT).product.imported.documentVersion).to.equal('2.2');
  });

  it('the target: explicit target=platform needs platformId; software-only without organizationId asks for it', async () => {
    const doc = fixture();
    doc['component-definition'].components.pop();
    expect((await send(officer, doc, '?dryRun=1').expect(400)).body.error.details[0]).to.include({ path: 'query.organizationId', code: 'required' });
    expect((await send(officer, doc, `?target=platform&organizationId=${org}&dryRun=1`).expect(400)).body.error.details[0]).to.include({ path: 'query.platformId', code: 'required' });
    expect((await send(officer, doc, '?target=space&dryRun=1').expect(400)).body.error.details[0].path).to.match(/target/);
  });
});
