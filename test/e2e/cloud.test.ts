import { expect } from 'chai';
import type { Express } from 'express';
import { shippedCatalogue } from '../../server/catalogue/index.js';
import { loadProducts } from '../../server/cloud/products.js';
import { loadCaller } from '../../server/services/callers.js';
import { renderReport } from '../../reports/render.js';
import { testReportBlocks } from '../../reports/docx/test-report.js';
import { assembleReport } from '../../reports/test-report/assemble.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { allPages } from '../utils/pages.js';

const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';

const ON_PREMISES = ['industrial_firewall', 'unidirectional_gateway', 'ics_monitoring_audit', 'ics_host_whitelist', 'mdm_mobile_security', 'wireless_ids'];

describe('product catalogue data', () => {
  it('maps every category to existing units at levels 3 and 4, and every product to existing categories', () => {
    const cat = shippedCatalogue();
    const pc = loadProducts(cat);
    expect(pc.categories.length).to.be.greaterThan(18);
    for (const c of pc.categories) {
      for (const cov of c.covers) expect(cat.byCode.has(cov.unit), `${c.id} → ${cov.unit}`).to.equal(true);
      expect(c.covers.some((x) => x.unit.startsWith('L3-')), c.id).to.equal(true);
      expect(c.covers.some((x) => x.unit.startsWith('L4-')), c.id).to.equal(true);
      expect(pc.products.some((p) => p.categories.includes(c.id)), `${c.id} has a product`).to.equal(true);
      // Cloud capabilities have an Alibaba Cloud product; the extension sets' on-premises capabilities have on-premises vendors.
      if (!ON_PREMISES.includes(c.id)) expect(pc.products.some((p) => p.vendor.id === 'alibaba-cloud' && p.categories.includes(c.id)), `${c.id} has an Alibaba Cloud product`).to.equal(true);
    }
    expect(pc.vendors.map((v) => v.id).sort()).to.deep.equal(['alibaba-cloud', 'aws-china', 'h3c', 'huawei', 'huawei-cloud', 'qianxin', 'tencent-cloud', 'topsec', 'winicssec']);
    // The extension sets are mapped: industrial firewalls, MDM, WIDS/WIPS and IoT platforms cover their units at levels 2-4.
    const byUnit = (code: string) => pc.categories.filter((c) => c.covers.some((x) => x.unit === code)).map((c) => c.id);
    expect(byUnit('L2-ABS5-01')).to.include('industrial_firewall');
    expect(byUnit('L3-CNS5-01')).to.include('unidirectional_gateway');
    expect(byUnit('L4-CES3-07')).to.include('mdm_mobile_security');
    expect(byUnit('L3-ABS3-08')).to.include('wireless_ids');
    expect(byUnit('L2-ABS4-01')).to.include('iot_device_access');
    const names = pc.products.filter((p) => p.vendor.id === 'alibaba-cloud').map((p) => p.name.zh);
    for (const n of ['云防火墙', 'Web应用防火墙', '堡垒机', '数据库审计', '日志服务', '云安全中心', '操作审计', '配置审计', '访问控制']) expect(names).to.include(n);
  });
});

describeEachEngine('cloud platforms and inheritance', (ctx) => {
  let app: Express;
  let admin: Agent, officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };
  let n = 0;

  before(async () => {
    app = await createTestApp(ctx.db);
    admin = await signIn(app, 'admin');
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  async function platform(level: number, testDate = '2026-06-01', extra: Record<string, unknown> = {}) {
    return (
      await officer
        .post('/api/v1/platforms')
        .send({ organizationId: orgs.citybrain, provider: '阿里云', product: `专有云 ${++n}`, level, reportNumber: `P-26-0001-0${n % 10}`, assessingOrganization: '测评机构', conclusion: '符合', testDate, ...extra })
        .expect(201)
    ).body;
  }

  async function tenant(level: 3 | 4, platformId: string, startDate = '2026-11-01') {
    const degree = level === 3 ? 'serious' : 'especially_serious';
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: orgs.citybrain, name: `Tenant ${++n}`, deployment: 'cloud', platformId }).expect(201)).body;
    await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: [{ object: 'social', degree }], serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: RATIONALE, gradedOn: '2026-01-05' }).expect(201);
    await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ objects: [{ category: 'server_storage', name: 'ECS-01', importance: 'key' }, { category: 'business_application', name: 'App', importance: 'key' }] }).expect(201);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'formal_test', startDate }).expect(201)).body;
    return { sys, a };
  }

  const providerUnits = (level: number) => shippedCatalogue().query({ level }).filter((u) => u.cloudResponsibility === 'provider');

  it('a level-3 tenant on a valid level-3 platform inherits every provider unit, citing the report', async () => {
    const p = await platform(3);
    expect(p.validUntil).to.equal('2027-06-01'); // one year at level 3
    // A date set by hand, then cleared: the default validity again (not a refused null).
    expect((await officer.patch(`/api/v1/platforms/${p.id}`).send({ validUntil: '2027-03-01' }).expect(200)).body.validUntil).to.equal('2027-03-01');
    expect((await officer.patch(`/api/v1/platforms/${p.id}`).send({ validUntil: null }).expect(200)).body.validUntil).to.equal('2027-06-01');
    const { a } = await tenant(3, p.id);
    expect(a.inheritance).to.include({ state: 'applied', platformId: p.id, inheritedUnits: providerUnits(3).length });
    const results = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const inherited = results.filter((r: { inherited: boolean }) => r.inherited);
    expect(new Set(inherited.map((r: { code: string }) => r.code)).size).to.equal(providerUnits(3).length);
    expect(inherited.every((r: { value: string; record: string }) => r.value === 'conform' && r.record.includes(p.reportNumber) && r.record.includes('2026-06-01'))).to.equal(true);
    expect(inherited.map((r: { code: string }) => r.code)).to.include('L3-PES1-01');
    const shared = results.find((r: { code: string }) => shippedCatalogue().byCode.get(r.code)!.cloudResponsibility === 'shared');
    expect(shared.value).to.equal('not_assessed');
    expect(shared.record).to.contain('云服务客户部分仍需测评');
    const summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(summary.inheritance.state).to.equal('applied');
    expect(summary.inheritedResults).to.equal(inherited.length);
  });

  it('a platform’s test report is evidence of its own organisation: unknown or another organisation’s evidence is refused naming reportEvidenceId', async () => {
    const own = (await officer.get(`/api/v1/evidence?organizationId=${orgs.citybrain}`).expect(200)).body.data[0];
    const foreign = (await officer2.post('/api/v1/evidence').field('organizationId', orgs.bank).field('title', '银行的证据').field('kind', 'other').attach('file', png(4242), 'bank.png').expect(201)).body;
    expect(own && foreign, 'demo evidence in both organisations').to.be.ok;
    const body = { organizationId: orgs.citybrain, provider: '阿里云', product: '专有云 report', level: 3, reportNumber: 'P-26-0001-99', assessingOrganization: '测评机构', conclusion: '符合', testDate: '2026-06-01' };
    for (const reportEvidenceId of [foreign.id, '00000000-0000-4000-8000-000000000099']) {
      const res = await officer.post('/api/v1/platforms').send({ ...body, reportEvidenceId }).expect(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['reportEvidenceId']);
    }
    const p = (await officer.post('/api/v1/platforms').send({ ...body, reportEvidenceId: own.id }).expect(201)).body;
    expect(p.reportEvidenceId).to.equal(own.id);
    const patch = await officer.patch(`/api/v1/platforms/${p.id}`).send({ reportEvidenceId: foreign.id }).expect(400);
    expect(patch.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['reportEvidenceId']);
    expect((await officer.get(`/api/v1/platforms/${p.id}`).expect(200)).body.reportEvidenceId).to.equal(own.id);
  });

  it('a level-4 tenant on a level-3 platform inherits nothing, and says why', async () => {
    const p = await platform(3);
    const { a } = await tenant(4, p.id);
    expect(a.inheritance).to.include({ state: 'not_applied', inheritedUnits: 0 });
    expect(a.inheritance.reason).to.contain('level 3, below the system');
    expect((await allPages(auditor, `/api/v1/assessments/${a.id}/results`)).filter((r: { inherited: boolean }) => r.inherited)).to.have.length(0);
  });

  it('does not inherit from an expired conclusion; a platform change flags open assessments; re-applying resets', async () => {
    const expired = await platform(3, '2025-01-10');
    expect(expired.validUntil).to.equal('2026-01-10');
    const { a: none } = await tenant(3, expired.id);
    expect(none.inheritance.state).to.equal('not_applied');
    expect(none.inheritance.reason).to.contain('expired on 2026-01-10');
    // The test report (HTML and Word) says why in its own language, not the stored English sentence.
    const user = await ctx.db.knex('users').where({ username: 'consultant' }).first();
    const caller = (await loadCaller(ctx.db.knex, user.id, 'system'))!;
    for (const [lang, said] of [['zh-CN', '云平台测评结论已于 2026-01-10 过期'], ['en', 'conclusion expired on 2026-01-10']] as const) {
      const data = await assembleReport(ctx.db.knex, caller, shippedCatalogue(), none.id, 'test_report', lang, '2026-11-30');
      const html = renderReport(data);
      const word = JSON.stringify(testReportBlocks(data));
      expect(html, lang).to.contain(said);
      expect(word, lang).to.contain(said);
      if (lang === 'zh-CN') expect(html + word).not.to.contain('expired on');
    }

    const p = await platform(3);
    const { a } = await tenant(3, p.id);
    expect(a.inheritance.state).to.equal('applied');
    // The assessor overrides one inherited result: it becomes the assessor's own.
    const pes = (await auditor.get(`/api/v1/assessments/${a.id}/results?layer=PES`)).body.data[0];
    const own = await consultant.put(`/api/v1/assessments/${a.id}/results/${pes.code}`).send({ value: 'partial', record: '现场核查：机房巡检记录不完整', rowVersion: pes.rowVersion }).expect(200);
    expect(own.body).to.include({ inherited: false, value: 'partial' });
    // The platform is downgraded: the assessment is flagged, then re-applying removes inherited results but keeps the assessor's.
    await officer.patch(`/api/v1/platforms/${p.id}`).send({ level: 2 }).expect(200);
    const flagged = (await auditor.get(`/api/v1/assessments/${a.id}`)).body;
    expect(flagged.inheritance.state).to.equal('stale');
    const reapplied = (await consultant.post(`/api/v1/assessments/${a.id}/inherit`).expect(200)).body;
    expect(reapplied.inheritance).to.include({ state: 'not_applied', inheritedUnits: 0 });
    const after = (await allPages(auditor, `/api/v1/assessments/${a.id}/results?layer=PES`));
    expect(after.filter((r: { inherited: boolean }) => r.inherited)).to.have.length(0);
    expect(after.find((r: { code: string }) => r.code === pes.code)).to.include({ value: 'partial', inherited: false });
    expect(after.filter((r: { value: string }) => r.value === 'not_assessed')).to.have.length(after.length - 1);
  });

  it('a platform can override its matrix; tenant units take no platform result; unknown units are refused', async () => {
    const p = await platform(3);
    const bad = await officer
      .put(`/api/v1/platforms/${p.id}/responsibilities`)
      .send({ entries: [{ code: 'L3-PES1-01', responsibility: 'tenant', platformResult: 'conform' }, { code: 'L9-XXX1-01', responsibility: 'provider' }] })
      .expect(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.have.members(['entries.0.platformResult', 'entries.1.code']);
    const bad2 = await officer.put(`/api/v1/platforms/${p.id}/responsibilities`).send({ entries: [{ code: 'L3-PES1-01', responsibility: 'owner' }] }).expect(400);
    expect(bad2.body.error.details[0].path).to.equal('entries.0.responsibility');
    await officer.put(`/api/v1/platforms/${p.id}/responsibilities`).send({ entries: [{ code: 'L3-PES1-01', responsibility: 'tenant' }, { code: 'L3-PES1-02', responsibility: 'provider', platformResult: 'partial' }] }).expect(200);
    const matrix = (await allPages(auditor, `/api/v1/platforms/${p.id}/responsibilities?level=3&set=general`));
    expect(matrix.find((m: { code: string }) => m.code === 'L3-PES1-01')).to.include({ responsibility: 'tenant', platformResult: null, overridden: true });
    const { a } = await tenant(3, p.id);
    expect(a.inheritance.inheritedUnits).to.equal(providerUnits(3).length - 1);
    const pes = (await allPages(auditor, `/api/v1/assessments/${a.id}/results?layer=PES`));
    expect(pes.find((r: { code: string }) => r.code === 'L3-PES1-01')).to.include({ inherited: false, value: 'not_assessed' });
    expect(pes.find((r: { code: string }) => r.code === 'L3-PES1-02')).to.include({ inherited: true, value: 'partial' });
  });

  it('recommends a deterministic, greedy set of categories that covers every gap any product covers', async () => {
    const p = await platform(3);
    const { a } = await tenant(3, p.id);
    const results = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const bulk = results
      .filter((r: { inherited: boolean }) => !r.inherited)
      .map((r: { code: string; objectId: string | null; rowVersion: number }, i: number) => ({ code: r.code, objectId: r.objectId, rowVersion: r.rowVersion, value: i % 5 === 0 ? 'nonconform' : i % 7 === 0 ? 'partial' : 'conform' }));
    await consultant.post(`/api/v1/assessments/${a.id}/results/bulk`).send({ results: bulk }).expect(200);
    const first = (await auditor.get(`/api/v1/assessments/${a.id}/recommendations`).expect(200)).body;
    const second = (await auditor.get(`/api/v1/assessments/${a.id}/recommendations`).expect(200)).body;
    expect(second).to.deep.equal(first);
    const closed = new Set(first.data.flatMap((r: { closes: Array<{ unit: string }> }) => r.closes.map((c) => c.unit)));
    expect(closed.size).to.equal(first.coverableGaps);
    expect(closed.size + first.uncovered.length).to.equal(first.gaps);
    // Greedy: each recommendation closes no more gaps than the one before it.
    const sizes = first.data.map((r: { closes: unknown[] }) => r.closes.length);
    expect([...sizes].sort((x: number, y: number) => y - x)).to.deep.equal(sizes);
    expect(first.data[0].products.length).to.be.greaterThan(0);
  });

  it('records deployed products: drafts record texts in open assessments and requests evidence, never a result', async () => {
    const p = await platform(3);
    const { a, sys } = await tenant(3, p.id);
    const bad = await consultant.post(`/api/v1/systems/${sys.id}/deployed-products`).send({ productId: 'acme-magic-shield' }).expect(400);
    expect(bad.body.error.details[0].path).to.equal('productId');
    const res = await consultant.post(`/api/v1/systems/${sys.id}/deployed-products`).send({ productId: 'alibaba-cloud-bastionhost', since: '2025-06-01' }).expect(201);
    expect(res.body.product.name.zh).to.equal('堡垒机');
    expect(res.body.draftedRecords).to.be.greaterThan(0);
    const results = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const drafted = results.filter((r: { record: string | null }) => r.record?.includes('堡垒机'));
    expect(drafted.length).to.equal(res.body.draftedRecords);
    expect(drafted.every((r: { value: string }) => r.value === 'not_assessed')).to.equal(true);
    const requests = (await auditor.get('/api/v1/evidence-requests?status=open')).body.data;
    expect(requests.some((r: { title: string; target: { id: string } }) => r.title.includes('堡垒机') && r.target.id === sys.id)).to.equal(true);
    expect((await auditor.get(`/api/v1/systems/${sys.id}/deployed-products`)).body.data).to.have.length(1);
  });

  it('lists products by vendor, category and unit', async () => {
    const byVendor = (await auditor.get('/api/v1/products?vendor=alibaba-cloud').expect(200)).body.data;
    expect(byVendor.every((p: { vendor: { id: string } }) => p.vendor.id === 'alibaba-cloud')).to.equal(true);
    const byUnit = (await auditor.get('/api/v1/products?unit=L3-ABS1-05').expect(200)).body.data.map((p: { id: string }) => p.id);
    expect(byUnit).to.include('alibaba-cloud-firewall');
    const cats = (await auditor.get('/api/v1/products/categories?unit=L3-ABS1-05').expect(200)).body.data;
    expect(cats.map((c: { id: string }) => c.id)).to.include('cloud_firewall');
    await auditor.get('/api/v1/products?unit=nope').expect(400);
  });

  it('isolates private platforms and keeps auditors read-only', async () => {
    const bankPlatform = (
      await officer2
        .post('/api/v1/platforms')
        .send({ organizationId: orgs.bank, provider: 'x', product: 'Bank private cloud', level: 4, reportNumber: 'B-1', assessingOrganization: 'y', conclusion: '符合', testDate: '2026-09-01' })
        .expect(201)
    ).body;
    await officer.get(`/api/v1/platforms/${bankPlatform.id}`).expect(404);
    await officer.patch(`/api/v1/platforms/${bankPlatform.id}`).send({ level: 3 }).expect(404);
    await officer.get(`/api/v1/platforms/${bankPlatform.id}/responsibilities`).expect(404);
    expect((await officer.get('/api/v1/platforms')).body.data.map((x: { id: string }) => x.id)).not.to.include(bankPlatform.id);
    const cross = await officer.post('/api/v1/systems').send({ organizationId: orgs.citybrain, name: `Cross ${++n}`, deployment: 'cloud', platformId: bankPlatform.id }).expect(400);
    expect(cross.body.error.details[0].path).to.equal('platformId');
    // A published platform is visible to every organisation; only admins publish.
    await officer.post('/api/v1/platforms').send({ published: true, provider: 'x', product: 'Shared', level: 3, reportNumber: 'S-1', assessingOrganization: 'y', conclusion: '符合', testDate: '2026-09-01' }).expect(403);
    const shared = (await admin.post('/api/v1/platforms').send({ published: true, provider: 'x', product: 'Shared cloud', level: 3, reportNumber: 'S-1', assessingOrganization: 'y', conclusion: '符合', testDate: '2026-09-01' }).expect(201)).body;
    expect((await officer2.get('/api/v1/platforms')).body.data.map((x: { id: string }) => x.id)).to.include(shared.id);
    await officer.patch(`/api/v1/platforms/${shared.id}`).send({ level: 4 }).expect(403);

    const p = await platform(3);
    const { a, sys } = await tenant(3, p.id);
    for (const [method, path, body] of [
      ['get', `/api/v1/systems/${sys.id}/deployed-products`, undefined],
      ['post', `/api/v1/systems/${sys.id}/deployed-products`, { productId: 'alibaba-cloud-waf' }],
      ['get', `/api/v1/assessments/${a.id}/recommendations`, undefined],
      ['post', `/api/v1/assessments/${a.id}/inherit`, undefined],
      ['get', `/api/v1/platforms/${p.id}`, undefined],
    ] as const) {
      expect((await (officer2 as any)[method](path).send(body ?? {})).status, `${method} ${path}`).to.equal(404);
    }
    await auditor.post('/api/v1/platforms').send({ organizationId: orgs.citybrain, provider: 'x', product: 'p', level: 3, reportNumber: 'r', assessingOrganization: 'y', conclusion: '符合', testDate: '2026-09-01' }).expect(403);
    await auditor.post(`/api/v1/systems/${sys.id}/deployed-products`).send({ productId: 'alibaba-cloud-waf' }).expect(403);
    await auditor.post(`/api/v1/assessments/${a.id}/inherit`).expect(403);
    await auditor.put(`/api/v1/platforms/${p.id}/responsibilities`).send({ entries: [{ code: 'L3-PES1-01', responsibility: 'tenant' }] }).expect(403);
  });
});
