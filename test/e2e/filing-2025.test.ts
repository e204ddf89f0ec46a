import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { OrganizationScope } from '../../server/context.js';
import { listDeadlines } from '../../server/deadlines/index.js';
import { loadCaller } from '../../server/services/callers.js';
import { certificateExpiry, testCycleMonths } from '../../server/systems/filing-rules.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';

const L1 = { businessHarms: [{ object: 'citizens', degree: 'general' }], serviceHarms: [{ object: 'citizens', degree: 'general' }] };
const L3 = { businessHarms: [{ object: 'social', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }] };
const L4 = { businessHarms: [{ object: 'social', degree: 'especially_serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }] };
const L5 = { businessHarms: [{ object: 'national', degree: 'especially_serious' }], serviceHarms: [{ object: 'national', degree: 'serious' }] };
const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';

describe('2025 filing rules as data', () => {
  it('certificate: three years, from 2025-01-01 for earlier filings, one more year per completed test', () => {
    expect(certificateExpiry('2024-04-22', [])).to.deep.equal({ start: '2025-01-01', expiresOn: '2028-01-01', renewalFrom: '2027-10-01', extensions: 0 });
    expect(certificateExpiry('2026-03-10', ['2025-12-01', '2026-09-30'])).to.deep.include({ start: '2026-03-10', expiresOn: '2030-03-10', extensions: 1 });
  });
  it('test cycle: 1846号 (yearly at levels 3-5) by default, the 2007 measures (half-yearly at level 4) on request', () => {
    expect([3, 4, 5].map((l) => testCycleMonths(l, {}))).to.deep.equal([12, 12, 12]);
    expect([3, 4, 5].map((l) => testCycleMonths(l, { DENGBAO_TEST_CYCLE_RULES: 'measures-2007' }))).to.deep.equal([12, 6, undefined]);
    expect(testCycleMonths(2, {})).to.equal(undefined);
  });
});

describeEachEngine('2025 filing rules', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  let n = 0;
  async function approved(harms: object, deployment = 'on_premises') {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: orgs.citybrain, name: `Filing 2025 system ${++n}`, deployment }).expect(201)).body;
    const g = await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ ...harms, rationale: RATIONALE, gradedOn: '2024-01-05' }).expect(201);
    await officer.post(`/api/v1/systems/${sys.id}/gradings/${g.body.id}/review`).send({ reviewedOn: '2024-01-20', experts: ['张教授'], opinion: '同意' }).expect(200);
    await officer.post(`/api/v1/systems/${sys.id}/gradings/${g.body.id}/approval`).send({ approvedOn: '2024-02-10', authority: '示例市大数据管理局', reference: '示数〔2024〕1号' }).expect(200);
    return { id: sys.id as string, grading: g.body };
  }
  async function certified(harms: object, certificateDate: string) {
    const sys = await approved(harms);
    await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form: {}, status: 'submitted', filingOrgan: '示例市公安局', submittedOn: '2024-03-01' }).expect(200);
    const f = await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form: {}, status: 'certified', filingOrgan: '示例市公安局', submittedOn: '2024-03-01', certificateNumber: `3301004300${n}-24001`, certificateDate }).expect(200);
    return { ...sys, filing: f.body };
  }
  async function deadlinesOf(systemId: string, at = '2026-11-30T00:00:00Z') {
    const user = await ctx.db.knex('users').where({ username: 'officer' }).first();
    const caller = (await loadCaller(ctx.db.knex, user.id, 'session'))!;
    return (await listDeadlines(ctx.db.knex, new OrganizationScope(caller), 36600, new Date(at))).filter((d) => d.subject.id === systemId);
  }

  it('demo: the bank system filed in 2024 must re-file with the 2025 templates; its certificate runs to 2028-01-01; both on its pages', async () => {
    const bank = (await officer2.get('/api/v1/systems').expect(200)).body.data[0];
    const due = (await officer2.get('/api/v1/deadlines?within=60').expect(200)).body.data.filter((d: { subject: { id: string } }) => d.subject.id === bank.id);
    expect(due.find((d: { type: string }) => d.type === 'refile_2025')).to.include({ dueDate: '2025-01-01', overdue: true });
    const filing = (await officer2.get(`/api/v1/systems/${bank.id}/filing`).expect(200)).body;
    expect(filing.certificate).to.deep.include({ start: '2025-01-01', expiresOn: '2028-01-01' });
    const dashboard = (await officer2.get('/').expect(200)).text;
    expect(dashboard).to.contain('按2025版模板重新备案');
    const page = (await officer2.get(`/systems/${bank.id}`).expect(200)).text;
    expect(page).to.contain('2028-01-01').and.contain('须按2025版模板重新备案');
  });

  it('level 1 is graded but not filed: no filing offered, filing and the filed state refused with a translated reason', async () => {
    const sys = await approved(L1);
    expect(sys.grading.level).to.equal(1);
    const view = (await officer.get(`/api/v1/systems/${sys.id}`).expect(200)).body;
    expect(view).to.deep.include({ status: 'approved', filingRequired: false });
    expect(view.allowedTransitions).to.deep.equal(['grading']);
    const filing = (await officer.get(`/api/v1/systems/${sys.id}/filing`).expect(200)).body;
    expect(filing.notFiled.zh).to.contain('不备案');
    expect(filing.filingOrganLevel).to.equal(null);
    const refused = await officer.put(`/api/v1/systems/${sys.id}/filing`).set('Accept-Language', 'zh-CN').send({ form: {}, status: 'submitted', filingOrgan: '示例市公安局', submittedOn: '2024-03-01' }).expect(409);
    expect(refused.body.error.message).to.contain('不需备案');
    const en = await officer.post(`/api/v1/systems/${sys.id}/transitions`).set('Accept-Language', 'en').send({ to: 'filed' }).expect(409);
    expect(en.body.error.message).to.contain('neither filed nor tested');
    expect((await deadlinesOf(sys.id)).map((d) => d.type)).to.deep.equal([]);
    const page = (await officer.get(`/systems/${sys.id}`).expect(200)).text;
    expect(page).to.contain('第一级：已定级，不备案、不测评');
    expect(page).not.to.contain(`action="/systems/${sys.id}/filing"`);
  });

  it('level 5: filed with the provincial organ, tested against the level-4 units plus GA/T 2182-2024, said on the summary and the report', async () => {
    const five = await approved(L5);
    expect(five.grading).to.include({ level: 5 });
    expect((await officer.get(`/api/v1/systems/${five.id}/filing`).expect(200)).body.filingOrganLevel).to.equal('provincial');
    const four = await approved(L4);
    const make = async (systemId: string) => (await consultant.post('/api/v1/assessments').send({ systemId, kind: 'formal_test' }).expect(201)).body;
    const a5 = await make(five.id);
    const a4 = await make(four.id);
    const s5 = (await auditor.get(`/api/v1/assessments/${a5.id}/summary`).expect(200)).body;
    const s4 = (await auditor.get(`/api/v1/assessments/${a4.id}/summary`).expect(200)).body;
    expect(s5.level).to.equal(5);
    expect(s5.units.total).to.be.greaterThan(200).and.equal(s4.units.total);
    expect(s5.testBasis).to.deep.include({ testedLevel: 4, standards: ['GB/T 22239-2019', 'GA/T 2182-2024'] });
    expect(s5.testBasis.zh).to.equal('本系统为第五级网络，依据GB/T 22239-2019第4级要求并结合GA/T 2182-2024开展等级测评。');
    expect(s4.testBasis.testedLevel).to.equal(4);
    // Additional GA/T 2182-2024 checks: the assessor's own X-… items, counted in the rate, marked additional.
    const badCode = await consultant.post(`/api/v1/assessments/${a5.id}/extra-items`).send({ code: 'GAT-01', title: '关键业务连续性' }).expect(400);
    expect(badCode.body.error.details.map((x: { path: string }) => x.path)).to.deep.equal(['code']);
    const item = (await consultant.post(`/api/v1/assessments/${a5.id}/extra-items`).send({ code: 'X-GAT2182-01', title: '关键业务连续性保障', source: 'GA/T 2182-2024', value: 'conform' }).expect(201)).body;
    expect(item).to.include({ code: 'X-GAT2182-01', additional: true });
    await consultant.post(`/api/v1/assessments/${a5.id}/extra-items`).send({ code: 'X-GAT2182-02', title: '供应链安全管理', value: 'nonconform' }).expect(201);
    await consultant.post(`/api/v1/assessments/${a5.id}/extra-items`).send({ code: 'X-GAT2182-02', title: 'again' }).expect(409);
    const withExtra = (await auditor.get(`/api/v1/assessments/${a5.id}/summary`).expect(200)).body;
    expect(withExtra.units.total).to.equal(s4.units.total + 2);
    expect(withExtra.units.counts.conform).to.equal(s5.units.counts.conform + 1);
    expect(withExtra.units.counts.nonconform).to.equal(s5.units.counts.nonconform + 1);
    expect(withExtra.additionalItems).to.deep.equal({ total: 2, codes: ['X-GAT2182-01', 'X-GAT2182-02'] });
    expect(withExtra.byLayer.map((l: { layer: string }) => l.layer)).to.include('ADD');
    await consultant.patch(`/api/v1/assessments/${a5.id}/extra-items/X-GAT2182-02`).send({ value: 'conform' }).expect(200);
    expect((await auditor.get(`/api/v1/assessments/${a5.id}/summary`).expect(200)).body.units.counts.conform).to.equal(s5.units.counts.conform + 2);
    await auditor.post(`/api/v1/assessments/${a5.id}/extra-items`).send({ code: 'X-3', title: 'auditor' }).expect(403);
    const job = (await consultant.post(`/api/v1/assessments/${a5.id}/reports`).send({ type: 'test_report', format: 'html', lang: 'zh-CN' }).expect(202)).body;
    let status = job.status;
    for (let i = 0; i < 600 && status !== 'done' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await consultant.get(`/api/v1/reports/${job.id}`).expect(200)).body.status;
    }
    expect(status, JSON.stringify((await consultant.get(`/api/v1/reports/${job.id}`)).body)).to.equal('done');
    const html = (await auditor.get(`/api/v1/reports/${job.id}/download`).expect(200)).text;
    expect(html).to.contain('依据GB/T 22239-2019第4级要求并结合GA/T 2182-2024开展等级测评').and.contain('补充测评项');
  });

  it('a filing before 2025: certificate counted from 2025-01-01, refile_2025 until re-filed, one more year per completed test', async () => {
    const sys = await certified(L3, '2024-03-10');
    expect(sys.filing.certificate).to.deep.include({ start: '2025-01-01', expiresOn: '2028-01-01', renewalFrom: '2027-10-01', extensions: 0 });
    expect(sys.filing.certificate.rule.source).to.contain('1846号');
    expect(sys.filing.refile2025.required).to.equal(true);
    let d = await deadlinesOf(sys.id);
    expect(d.find((x) => x.type === 'certificate_renewal')).to.include({ dueDate: '2028-01-01', overdue: false });
    expect(d.find((x) => x.type === 'refile_2025')).to.include({ dueDate: '2025-01-01', overdue: true });
    expect(d.find((x) => x.type === 'refile_2025')!.rule.source).to.contain('Q1');
    expect(d.find((x) => x.type === 'protection_plan_due')).to.include({ dueDate: '2025-01-01' });
    const page = (await officer.get(`/systems/${sys.id}`).expect(200)).text;
    expect(page).to.contain('备案证明有效期至').and.contain('2028-01-01').and.contain('须按2025版模板重新备案');
    expect(page).to.match(/等级测评周期依据: 第三级、第四级、第五级网络每年至少开展一次等级测评/);

    // A completed test extends the certificate by one year.
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'formal_test', startDate: '2025-06-01', endDate: '2025-06-30' }).expect(201)).body;
    for (const to of ['in_progress', 'review']) await consultant.post(`/api/v1/assessments/${a.id}/transitions`).send({ to }).expect(200);
    await officer.post(`/api/v1/assessments/${a.id}/transitions`).send({ to: 'completed' }).expect(200);
    const after = (await officer.get(`/api/v1/systems/${sys.id}/filing`).expect(200)).body;
    expect(after.certificate).to.deep.include({ expiresOn: '2029-01-01', extensions: 1, completedTests: ['2025-06-30'] });

    // Re-filing is recorded on the certified filing; the flag goes; a later save without the field keeps it.
    const body = { form: {}, status: 'certified', filingOrgan: '示例市公安局', submittedOn: '2024-03-01', certificateNumber: sys.filing.certificateNumber, certificateDate: '2024-03-10' };
    const early = await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ ...body, refiledOn: '2024-01-01' }).expect(400);
    expect(early.body.error.details.map((x: { path: string }) => x.path)).to.deep.equal(['refiledOn']);
    await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ ...body, refiledOn: '2025-06-01' }).expect(200);
    const kept = (await officer.put(`/api/v1/systems/${sys.id}/filing`).send(body).expect(200)).body;
    expect(kept).to.deep.include({ refiledOn: '2025-06-01' });
    expect(kept.refile2025.required).to.equal(false);
    d = await deadlinesOf(sys.id);
    expect(d.map((x) => x.type)).not.to.include('refile_2025');
  });

  it('the page forms check their dates as the API does: a bad date is refused naming the field in the user’s words, nothing stored', async () => {
    const sys = await certified(L3, '2024-03-10');
    const page = await signIn(app, 'officer'); // a fresh agent: its first page sets the form token's cookie
    const token = await csrfOf(page);
    const refused = await page.post(`/systems/${sys.id}/refiled`).type('form').send({ _csrf: token, refiledOn: '2025-06-01T00:00:00+08:00 (demo)' }).expect(303);
    const back = decodeURIComponent(refused.headers.location!);
    expect(back).to.contain('重新备案日期').and.contain('应为日期');
    expect((await officer.get(`/api/v1/systems/${sys.id}/filing`).expect(200)).body.refiledOn ?? null).to.equal(null);
    await page.post(`/systems/${sys.id}/refiled`).type('form').send({ _csrf: token, refiledOn: '2025-06-01' }).expect(303);
    expect((await officer.get(`/api/v1/systems/${sys.id}/filing`).expect(200)).body.refiledOn).to.equal('2025-06-01');

    const plan = await page.post(`/systems/${sys.id}/protection-plans`).type('form').send({ _csrf: token, year: '2026', adoptedOn: '2026-02-30x' }).expect(303);
    expect(decodeURIComponent(plan.headers.location!)).to.contain('印发日期').and.contain('应为日期');
    expect((await officer.get(`/api/v1/systems/${sys.id}/protection-plans`).expect(200)).body.data ?? []).to.deep.equal([]);
  });

  it('a filing in 2025 or later needs no re-filing; its certificate runs three years from its date', async () => {
    const sys = await certified(L3, '2026-03-10');
    expect(sys.filing.refile2025.required).to.equal(false);
    expect(sys.filing.certificate).to.deep.include({ start: '2026-03-10', expiresOn: '2029-03-10' });
    expect((await deadlinesOf(sys.id)).map((x) => x.type)).to.include('certificate_renewal').and.not.include('refile_2025');
  });

  const category = (name: string, extra: object = {}) => ({
    category: name,
    description: `${name}：客户开户、交易和服务过程中产生的数据`,
    level: 'important',
    recordCount: 1200000,
    storageLocations: ['主数据中心（上海）', '金融云华东二区'],
    personalInformation: true,
    sensitivePersonalInformation: true,
    personCount: 350000,
    processing: ['collect', 'store', 'use'],
    crossBorder: false,
    ...extra,
  });

  it('data survey: validated, stored with the filing, exported one sheet per category and read back', async () => {
    const sys = await approved(L3);
    const bad = await officer.put(`/api/v1/systems/${sys.id}/filing/data-survey`).send({ categories: [category('金融账户', { crossBorder: true }), category('金融账户')] }).expect(400);
    expect(bad.body.error.details.map((x: { path: string }) => x.path)).to.have.members(['categories.0.crossBorderDestination', 'categories.1.category']);
    await consultant.put(`/api/v1/systems/${sys.id}/filing/data-survey`).send({ categories: [category('金融账户')] }).expect(403);
    const saved = await officer.put(`/api/v1/systems/${sys.id}/filing/data-survey`).send({ categories: [category('金融账户'), category('个人交易信息', { level: 'general', crossBorder: true, crossBorderDestination: '新加坡清算机构' })] }).expect(200);
    expect(saved.body.survey.categories.map((c: { category: string }) => c.category)).to.deep.equal(['金融账户', '个人交易信息']);
    // The filing keeps its survey when the filing form is saved.
    await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form: { serviceScope: '全国' }, status: 'draft' }).expect(200);
    const res = await auditor.get(`/api/v1/systems/${sys.id}/filing/data-survey.xlsx`).buffer(true).parse((r, cb) => { const chunks: Buffer[] = []; r.on('data', (c: Buffer) => chunks.push(c)); r.on('end', () => cb(null, Buffer.concat(chunks))); }).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['金融账户', '个人交易信息']);
    const rows = (name: string) => Object.fromEntries(wb.getWorksheet(name)!.getSheetValues().slice(2).map((r) => [String((r as unknown[])[1]), (r as unknown[])[2]]));
    expect(rows('金融账户')).to.deep.include({ 数据类别名称: '金融账户', 数据级别: '重要数据', '数据量（条）': 1200000, 存储位置: '主数据中心（上海）；金融云华东二区', 是否包含敏感个人信息: '是', 是否出境: '否', 处理活动: '收集、存储、使用' });
    expect(rows('个人交易信息')).to.deep.include({ 数据级别: '一般数据', 是否出境: '是', 出境目的地及接收方: '新加坡清算机构' });
    const l1 = await approved(L1);
    await officer.put(`/api/v1/systems/${l1.id}/filing/data-survey`).send({ categories: [category('金融账户')] }).expect(409);
  });

  it('protection work plan: drafted from assets, findings and hazards for level 3+, one per year, adopted plans move the yearly deadline', async () => {
    const sys = await certified(L3, '2026-01-10');
    await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: 'testing', effectiveOn: '2026-02-01' }).expect(200);
    await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ objects: [{ category: 'server_storage', name: '核心数据库服务器', importance: 'key' }, { category: 'network_device', name: '核心交换机', importance: 'important' }] }).expect(201);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'formal_test' }).expect(201)).body;
    const unit = (await auditor.get(`/api/v1/assessments/${a.id}/results`).expect(200)).body.data?.[0]?.code ?? 'L3-CES1-01';
    await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '数据库弱口令', units: [unit], risk: 'high', threat: '口令可被猜解', recommendation: '启用强口令策略' }).expect(201);
    const draft = (await officer.get(`/api/v1/systems/${sys.id}/protection-plans/draft`).expect(200)).body;
    expect(draft.assets.map((x: { name: string }) => x.name)).to.deep.equal(['核心交换机', '核心数据库服务器']);
    expect(draft.plan[0].item).to.contain('数据库弱口令').and.contain('启用强口令策略');
    const plan = (await officer.post(`/api/v1/systems/${sys.id}/protection-plans`).send({ year: 2026, adoptedOn: '2026-03-01' }).expect(201)).body;
    expect(plan.content.assets).to.have.length(2);
    await officer.post(`/api/v1/systems/${sys.id}/protection-plans`).send({ year: 2026 }).expect(409);
    await consultant.post(`/api/v1/systems/${sys.id}/protection-plans`).send({ year: 2027 }).expect(403);
    expect((await deadlinesOf(sys.id)).find((x) => x.type === 'protection_plan_due')).to.include({ dueDate: '2027-03-01' });
    const l1 = await approved(L1);
    await officer.post(`/api/v1/systems/${l1.id}/protection-plans`).send({ year: 2026 }).expect(409);
    const page = (await officer.get(`/systems/${sys.id}`).expect(200)).text;
    expect(page).to.contain('网络安全保护工作方案').and.contain('2027-03-01');
  });
});
