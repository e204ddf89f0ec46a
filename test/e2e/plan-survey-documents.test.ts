import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { readDocx } from '../utils/docx.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdfText } from '../utils/pdf.js';


const category = (name: string, extra: object = {}) => ({
  category: name,
  description: `${name}：市民办事和城市运行过程中产生的数据`,
  level: 'important',
  recordCount: 1200000,
  storageLocations: ['政务云（示例市）'],
  personalInformation: true,
  sensitivePersonalInformation: false,
  processing: ['collect', 'store', 'use'],
  crossBorder: false,
  ...extra,
});

describeEachEngine('protection work plan and data survey documents', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let cityBrain: string;

  async function generate(agent: Agent, systemId: string, body: Record<string, unknown>) {
    const res = await agent.post(`/api/v1/systems/${systemId}/documents`).send(body).expect(201);
    const dl = await agent.get(`/api/v1/documents/${res.body.id}/download`).buffer(true).parse(binary).expect(200);
    expect(createHash('sha256').update(dl.body).digest('hex')).to.equal(res.body.sha256);
    return { view: res.body, body: dl.body as Buffer };
  }

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    cityBrain = (await auditor.get('/api/v1/systems').expect(200)).body.data.find((s: { name: string }) => s.name === '城市大脑运营管理平台').id;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  it('a year without a plan: every part a marked blank, nothing drafted into the document', async function () {
    this.timeout(60_000);
    const doc = readDocx((await generate(consultant, cityBrain, { type: 'protection_plan', lang: 'zh-CN', year: 2031 })).body);
    expect(doc.headings.filter((h) => h.level === 1).map((h) => h.text)).to.deep.equal(['一、基本情况', '二、资产情况', '三、现有安全保护措施', '四、重大风险隐患及其成因', '五、整改思路', '六、整改计划', '七、审批']);
    expect(doc.text).to.contain('2031年度');
    expect(doc.paragraphs.filter((p) => p === '（尚未记录本年度保护工作方案：请先在 dengbao 的系统页起草并保存方案）')).to.have.length(5);
    expect(doc.text).not.to.contain('优先消除重大风险隐患');
  });

  it('the recorded plan as docx in both languages: assets, measures, hazards with causes, approach, plan items', async function () {
    this.timeout(60_000);
    const plan = (await officer.post(`/api/v1/systems/${cityBrain}/protection-plans`).send({ year: 2026, adoptedOn: '2026-03-01' }).expect(201)).body;
    const { view, body } = await generate(consultant, cityBrain, { type: 'protection_plan', lang: 'zh-CN' });
    expect(view).to.include({ type: 'protection_plan', format: 'docx', lang: 'zh-CN' });
    expect(view.fileName).to.contain('protection_plan-2026-zh-CN');
    const doc = readDocx(body);
    expect(doc.text).to.contain('网络安全保护工作方案').and.contain('2026年度').and.contain('2026-03-01').and.contain('第3级（S3A3G3）');
    const assets = doc.tables.find((t) => t.rows[0]![1] === '资产名称')!;
    expect(assets.header).to.equal(1);
    expect(assets.rows.slice(1).map((r) => r[1])).to.deep.equal(plan.content.assets.map((a: { name: string }) => a.name));
    expect(assets.rows.slice(1).every((r) => ['关键', '重要', '一般'].includes(r[3]!))).to.equal(true);
    const items = doc.tables.find((t) => t.rows[0]![1] === '整改事项')!;
    expect(items.rows.slice(1).map((r) => r[1])).to.deep.equal(plan.content.plan.map((p: { item: string }) => p.item));
    if (plan.content.hazards.length) {
      const hazards = doc.tables.find((t) => t.rows[0]![3] === '成因')!;
      expect(hazards.rows.slice(1).map((r) => r[0])).to.deep.equal(plan.content.hazards.map((h: { number: string }) => h.number));
    }
    for (const m of plan.content.measures) expect(doc.text).to.contain(m);
    expect(doc.text).to.contain(plan.content.approach);
    const en = readDocx((await generate(consultant, cityBrain, { type: 'protection_plan', lang: 'en', year: 2026 })).body);
    expect(en.headings.filter((h) => h.level === 1).map((h) => h.text)).to.deep.equal(['1 General information', '2 Assets', '3 Existing security measures', '4 Major risk hazards and their causes', '5 Remediation approach', '6 Remediation plan', '7 Approval']);
    expect(en.text).to.contain('Year 2026').and.contain('Level 3');
  });

  it('the data survey as docx: one sheet per category, blanks for what the operator left out; the filing form attaches the sheets', async function () {
    this.timeout(60_000);
    const none = readDocx((await generate(consultant, cityBrain, { type: 'data_survey', lang: 'zh-CN' })).body);
    expect(none.text).to.contain('（尚未填写数据摸底调查表');
    await officer
      .put(`/api/v1/systems/${cityBrain}/filing/data-survey`)
      .send({ categories: [category('市民身份信息'), category('<w:p>{{x}} 城市感知数据', { level: 'general', personalInformation: false, crossBorder: true, crossBorderDestination: '境外合作研究机构 & </w:t>' })] })
      .expect(200);
    const doc = readDocx((await generate(consultant, cityBrain, { type: 'data_survey', lang: 'zh-CN' })).body);
    const h1 = doc.headings.filter((h) => h.level === 1).map((h) => h.text);
    expect(h1).to.deep.equal(['数据类别一览', '表1 市民身份信息', '表2 <w:p>{{x}} 城市感知数据']);
    expect(doc.text).to.contain('公网安〔2025〕1846号');
    const sheets = doc.tables.filter((t) => t.rows[0]![0] === '数据类别名称');
    expect(sheets).to.have.length(2);
    const first = Object.fromEntries(sheets[0]!.rows);
    expect(first).to.deep.include({ 数据级别: '重要数据', '数据量（条）': '1200000', 是否包含个人信息: '是', 处理活动: '收集、存储、使用', 是否出境: '否', 出境目的地及接收方: '不适用' });
    // Not filled in by the operator: marked, never invented.
    expect(first).to.deep.include({ 涉及业务: '（由定级对象运营使用单位填写）', 涉及个人信息主体数量: '（由定级对象运营使用单位填写）' });
    const second = Object.fromEntries(sheets[1]!.rows);
    expect(second).to.deep.include({ 数据类别名称: '<w:p>{{x}} 城市感知数据', 数据级别: '一般数据', 涉及个人信息主体数量: '不适用', 出境目的地及接收方: '境外合作研究机构 & </w:t>' });
    expect(doc.xml()).to.contain('&lt;w:p&gt;{{x}}');
    const en = readDocx((await generate(consultant, cityBrain, { type: 'data_survey', lang: 'en' })).body);
    expect(Object.fromEntries(en.tables.filter((t) => t.rows[0]![0] === 'Data category')[0]!.rows)).to.deep.include({ 'Level (core / important / general)': 'Important data', Processing: 'collect, store, use', 'Crosses the border': 'No' });

    const filing = readDocx((await generate(officer, cityBrain, { type: 'filing_form', lang: 'zh-CN' })).body);
    expect(filing.headings.filter((h) => h.level === 1).map((h) => h.text).at(-1)).to.equal('附件 数据摸底调查表');
    expect(filing.headings.filter((h) => h.level === 2).map((h) => h.text)).to.include.members(['表1 市民身份信息', '表2 <w:p>{{x}} 城市感知数据']);
    expect(filing.tables.filter((t) => t.rows[0]![0] === '数据类别名称')).to.have.length(2);
  });

  it('prints both as PDF', async function () {
    this.timeout(180_000);
    const plan = pdfText((await generate(officer, cityBrain, { type: 'protection_plan', format: 'pdf', lang: 'zh-CN', year: 2026 })).body).replace(/\s+/g, '');
    expect(plan).to.contain('网络安全保护工作方案').and.contain('2026年度').and.contain('四、重大风险隐患及其成因');
    const survey = pdfText((await generate(officer, cityBrain, { type: 'data_survey', format: 'pdf', lang: 'zh-CN' })).body).replace(/\s+/g, '');
    expect(survey).to.contain('数据摸底调查表').and.contain('表1市民身份信息').and.contain('收集、存储、使用');
  });

  it('refused where the rules say there is none: a plan below level 3, a survey at level 1; auditors cannot generate', async () => {
    const orgId = (await ctx.db.knex('systems').where({ id: cityBrain }).first()).organization_id;
    const l1 = (await officer.post('/api/v1/systems').send({ organizationId: orgId, name: 'Level 1 docs', deployment: 'on_premises' }).expect(201)).body;
    await consultant.post(`/api/v1/systems/${l1.id}/gradings`).send({ businessHarms: [{ object: 'citizens', degree: 'general' }], serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: '业务信息和系统服务遭到破坏后仅对公民合法权益造成一般损害。', gradedOn: '2026-01-05' }).expect(201);
    const plan = await consultant.post(`/api/v1/systems/${l1.id}/documents`).send({ type: 'protection_plan' }).expect(409);
    expect(plan.body.error.message).to.contain('第三级以上');
    await consultant.post(`/api/v1/systems/${l1.id}/documents`).send({ type: 'data_survey' }).expect(409);
    await auditor.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'data_survey' }).expect(403);
    await consultant.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'protection_plan', year: 'x' }).expect(400);
  });
});
