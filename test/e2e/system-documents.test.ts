import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { readDocx } from '../utils/docx.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdfText } from '../utils/pdf.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';


describeEachEngine('lifecycle documents', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let cityBrain: string, bank: string;

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    cityBrain = (await auditor.get('/api/v1/systems').expect(200)).body.data.find((s: { name: string }) => s.name === '城市大脑运营管理平台').id;
    bank = (await officer2.get('/api/v1/systems').expect(200)).body.data.find((s: { name: string }) => s.name === '金融云核心渠道系统').id;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  async function generate(agent: Agent, systemId: string, type: string, lang: string, format = 'docx') {
    const res = await agent.post(`/api/v1/systems/${systemId}/documents`).send({ type, format, lang }).expect(201);
    const dl = await agent.get(`/api/v1/documents/${res.body.id}/download`).buffer(true).parse(binary).expect(200);
    expect(createHash('sha256').update(dl.body).digest('hex')).to.equal(res.body.sha256);
    return { view: res.body, body: dl.body as Buffer, type: dl.headers['content-type'] };
  }

  it('generates the grading report of both demo systems in both languages: harms per S and A, rationale, level; blanks marked', async function () {
    this.timeout(60_000);
    for (const [agent, id, notation, rationale] of [
      [consultant, () => cityBrain, 'S3A3G3', '平台汇聚大量城市运行数据'],
      [officer2, () => bank, 'S4A3G4', '系统处理大量客户金融交易信息'],
    ] as const) {
      for (const lang of ['zh-CN', 'en']) {
        const { view, body, type } = await generate(agent, id(), 'grading_report', lang);
        expect(type).to.equal(DOCX);
        expect(view).to.include({ type: 'grading_report', format: 'docx', lang, gradingVersion: 1 });
        const doc = readDocx(body);
        const zh = lang === 'zh-CN';
        expect(doc.headings.filter((h) => h.level === 1).map((h) => h.text)).to.deep.equal(zh ? ['一、定级对象描述', '二、安全保护等级确定', '三、定级结论'] : ['1 Description of the graded system', '2 Determining the protection level', '3 Grading result']);
        expect(doc.text).to.contain(notation).and.contain(rationale);
        // One harm table for S, one for A: object, degree, matrix cell.
        const harmTables = doc.tables.filter((t) => t.rows[0]![0] === (zh ? '受侵害的客体' : 'Object harmed'));
        expect(harmTables).to.have.length(2);
        // The grid of the GB/T 22240 matrix with the recorded harm ticked: social order, serious (S3) or especially serious (S4).
        expect(harmTables[0]!.rows[0]).to.deep.equal(zh ? ['受侵害的客体', '一般损害', '严重损害', '特别严重损害'] : ['Object harmed', 'General harm', 'Serious harm', 'Especially serious harm']);
        expect(harmTables[0]!.rows[2]).to.deep.equal([zh ? '社会秩序、公共利益' : 'Social order and public interest', '2', ...(notation === 'S3A3G3' ? ['√ 3', '4'] : ['3', '√ 4'])]);
        expect(harmTables[1]!.rows[2]).to.deep.equal([zh ? '社会秩序、公共利益' : 'Social order and public interest', '2', '√ 3', '4']);
        expect(harmTables.flatMap((t) => t.rows.flat()).filter((c) => c.startsWith('√'))).to.have.length(2);
        expect(doc.text).to.contain(zh ? `业务信息安全保护等级（S）：S${notation[1]}` : `Business information level (S): S${notation[1]}`);
        // The network structure is not held by dengbao: a marked blank, not invented text.
        expect(doc.text).to.contain(zh ? '（由定级对象运营使用单位填写）' : '(to be completed by the operator of the graded system)');
        expect(doc.xml()).to.contain('w:highlight w:val="yellow"');
      }
    }
  });

  it('generates the filing form with its attachment list and the expert review form with the experts, date and opinion', async function () {
    this.timeout(60_000);
    const filing = readDocx((await generate(officer, cityBrain, 'filing_form', 'zh-CN')).body);
    expect(filing.headings.filter((h) => h.level === 1).map((h) => h.text)).to.deep.equal(['表一 单位基本情况', '表二 定级对象情况', '表三 定级情况', '表四 提交材料情况', '备案办理情况', '附件 数据摸底调查表']);
    const attachments = filing.tables.find((t) => t.rows[0]![1] === '材料名称')!;
    expect(attachments.header).to.equal(1);
    expect(attachments.rows).to.have.length(8);
    expect(attachments.rows[1]!.slice(0, 3)).to.deep.equal(['1', '系统拓扑结构及说明', '是']);
    expect(filing.text).to.contain('33010043001-25001').and.contain('示例市公安局网络安全保卫支队').and.contain('王合规').and.contain('示数资〔2025〕18号');
    const review = readDocx((await generate(officer, cityBrain, 'expert_review', 'zh-CN')).body);
    expect(review.text).to.contain('2025-03-01').and.contain('同意定为第三级（S3A3G3）');
    const experts = review.tables.find((t) => t.rows[0]![1] === '专家姓名')!;
    expect(experts.rows.slice(1).map((r) => r[1])).to.deep.equal(['张教授（示例大学网络空间安全学院）', '李高级工程师（示例市信息安全测评中心）', '赵研究员']);
    expect(experts.rows[1]![2]).to.equal('（由评审专家填写）');
    const en = readDocx((await generate(officer2, bank, 'expert_review', 'en')).body);
    expect(en.text).to.contain('Opinion of the expert panel').and.contain('孙教授');
  });

  it('a system without a grading gets marked blanks, and user text stays literal', async function () {
    this.timeout(60_000);
    const orgId = (await ctx.db.knex('systems').where({ id: cityBrain }).first()).organization_id;
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: orgId, name: '<w:p>{{x}}{name}', deployment: 'on_premises', description: 'a & b </w:t>' }).expect(201)).body;
    const blank = readDocx((await generate(consultant, sys.id, 'grading_report', 'zh-CN')).body);
    expect(blank.text).to.contain('（尚未定级：请先在 dengbao 中完成定级）');
    expect(blank.text).to.contain('<w:p>{{x}}{name}').and.contain('a & b </w:t>');
    await consultant.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: [{ object: 'citizens', degree: 'serious' }], serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: '<b>理由</b> {{y}}', gradedOn: '2026-01-05' }).expect(201);
    const graded = readDocx((await generate(consultant, sys.id, 'grading_report', 'zh-CN')).body);
    expect(graded.text).to.contain('S2A1G2').and.contain('<b>理由</b> {{y}}');
    const form = readDocx((await generate(consultant, sys.id, 'expert_review', 'zh-CN')).body);
    expect(form.text).to.contain('（尚未记录专家评审');
  });

  it('prints the grading report as PDF', async function () {
    this.timeout(120_000);
    const { body, type, view } = await generate(officer, cityBrain, 'grading_report', 'zh-CN', 'pdf');
    expect(type).to.equal('application/pdf');
    expect(view.fileName).to.match(/grading_report-zh-CN-v1\.pdf$/);
    const text = pdfText(body).replace(/\s+/g, '');
    expect(text).to.contain('网络安全等级保护定级报告').and.contain('S3A3G3').and.contain('（由定级对象运营使用单位填写）');
  });

  it('officers and consultants generate, auditors download, other organisations get 404', async () => {
    await auditor.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'grading_report' }).expect(403);
    const list = (await auditor.get(`/api/v1/systems/${cityBrain}/documents`).expect(200)).body.data;
    expect(list.length).to.be.greaterThan(3);
    await auditor.get(`/api/v1/documents/${list[0].id}/download`).expect(200);
    await officer2.get(`/api/v1/documents/${list[0].id}/download`).expect(404);
    await officer2.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'grading_report' }).expect(404);
    const bad = await officer.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'filing_certificate' }).expect(400);
    expect(bad.body.error.details[0].path).to.equal('type');
  });
});
