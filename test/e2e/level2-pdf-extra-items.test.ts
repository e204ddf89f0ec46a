import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { recordResults } from '../utils/assessments.js';
import { waitDone } from '../utils/docx.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdfText } from '../utils/pdf.js';

const RATIONALE = '业务信息遭到破坏后会对公民、法人和其他组织的合法权益造成严重损害。';


describeEachEngine('level 2 from grading to the PDF test report; extra items in the record workbook', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let org: string;
  let n = 0;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    org = (await demoOrganizations(ctx.db)).citybrain;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  /** A level-2 system (serious harm to citizens → S2A1G2) with four objects and an assessment of `kind`. */
  async function level2(kind: string) {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: org, name: `社区服务平台 ${process.pid}-${++n}`, deployment: 'on_premises' }).expect(201)).body;
    const grading = (await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: [{ object: 'citizens', degree: 'serious' }], serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: RATIONALE, gradedOn: '2026-01-05' }).expect(201)).body;
    expect(grading).to.include({ level: 2, notation: 'S2A1G2' });
    await consultant
      .post(`/api/v1/systems/${sys.id}/objects`)
      .send({ objects: [{ category: 'server_storage', name: 'APP-SRV-01', ip: '10.2.0.11', importance: 'key' }, { category: 'network_device', name: 'CORE-SW-01', importance: 'important' }, { category: 'business_application', name: '社区服务系统', importance: 'key' }, { category: 'data_resource', name: '居民信息', importance: 'key' }] })
      .expect(201);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind }).expect(201)).body;
    expect(a.level).to.equal(2);
    return { sys, a };
  }

  it('grades a level-2 system, records its results and a finding, and prints the PDF test report through Chromium', async function () {
    this.timeout(240_000);
    const { sys, a } = await level2('formal_test');
    // Every unit conforms except the identity units of the computing environment.
    const units = await recordResults(consultant, a.id, (code) => code.startsWith('L2-CES1-0'));
    expect(units).to.be.greaterThan(50);
    await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '服务器未启用登录失败处理', units: ['L2-CES1-01'], risk: 'medium' }).expect(201);
    const summary = (await consultant.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    const started = await consultant.post(`/api/v1/assessments/${a.id}/reports`).send({ type: 'test_report', format: 'pdf', lang: 'zh-CN' }).expect(202);
    const job = await waitDone(consultant, started.body.id);
    expect(job.status, job.error).to.equal('done');
    const pdf = (await auditor.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200)).body as Buffer;
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    const text = pdfText(pdf);
    const flat = text.replace(/\s+/g, '');
    // The cover and basic information: the system, its level and grading.
    expect(flat).to.contain('网络安全等级测评报告').and.contain(sys.name.replace(/\s+/g, ''));
    expect(flat).to.contain('2（S2A1G2）');
    // Level-2 units in the records of appendix D (narrow code cells wrap after the set number), none of level 3 or 4.
    const appD = text.slice(text.lastIndexOf('附录D 单项测评结果记录'), text.lastIndexOf('附录E 漏洞扫描结果记录'));
    expect(appD).to.contain('L2-CES1-01');
    for (const layer of ['PES', 'CNS', 'ABS', 'CES', 'SMC', 'PSS', 'ORS', 'HRS', 'CMS', 'MMS']) expect(appD, layer).to.contain(`${layer}1-`);
    expect(appD.match(/L\d-/g)!.every((x) => x === 'L2-')).to.equal(true);
    // The finding's suggested high-risk case (6.4.1.1) is listed with its level-2 unit only, and no unit of another level shows anywhere.
    expect(flat).to.contain('6.4.1.1');
    expect(flat.match(/L[345]-[A-Z]+\d-\d\d/g), 'units of other levels').to.equal(null);
    // The conclusion as the summary computes it, with the compliance rate.
    expect(flat).to.contain(`测评结论：${summary.conclusion.label.zh}`.replace(/\s+/g, ''));
    expect(flat).to.contain(`${(summary.conclusion.value * 100).toFixed(2)}%`);
    expect(flat).to.contain('服务器未启用登录失败处理');
  });

  it('exports the extra items (X-…) on their own sheet and imports them back: results and records kept, changes applied', async function () {
    this.timeout(120_000);
    const { a } = await level2('gap_analysis');
    await consultant.post(`/api/v1/assessments/${a.id}/extra-items`).send({ code: 'X-GAT2182-01', title: '关键业务连续性检查', requirement: '应制定关键业务连续性保障措施', source: 'GA/T 2182-2024', value: 'partial', record: '有预案，未演练' }).expect(201);
    await consultant.post(`/api/v1/assessments/${a.id}/extra-items`).send({ code: 'X-OWN-02', title: '=SUM(A1) 自定检查', value: null }).expect(201);
    const before = (await consultant.get(`/api/v1/assessments/${a.id}/extra-items`).expect(200)).body.data;
    const file = (await consultant.get(`/api/v1/assessments/${a.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('补充测评项')!;
    expect(ws, 'sheet 补充测评项').to.not.equal(undefined);
    const rows = [2, 3].map((r) => ws.getRow(r).values as unknown[]);
    expect(rows.map((r) => r[6])).to.deep.equal(['X-GAT2182-01', 'X-OWN-02']);
    expect(rows[0]!.slice(1, 6)).to.deep.equal(['补充测评项', 'GA/T 2182-2024', '关键业务连续性检查\n应制定关键业务连续性保障措施', '有预案，未演练', '部分符合']);
    expect(rows[1]![3]).to.equal('=SUM(A1) 自定检查');

    // Round trip unchanged: nothing to apply, the items as they were.
    const same = (await consultant.post(`/api/v1/assessments/${a.id}/workbook`).attach('file', file, 'r.xlsx').expect(200)).body;
    expect(same.applied).to.equal(0);
    expect(same.changed).to.have.length(0);
    expect((await consultant.get(`/api/v1/assessments/${a.id}/extra-items`).expect(200)).body.data).to.deep.equal(before);

    // Edited in Excel: the second item judged, the first's record changed.
    ws.getRow(2).getCell(4).value = '有预案，2026-06 已演练';
    ws.getRow(2).getCell(5).value = '符合';
    ws.getRow(3).getCell(5).value = '不符合';
    ws.getRow(3).getCell(4).value = '未开展';
    const edited = Buffer.from(await wb.xlsx.writeBuffer());
    const dry = (await consultant.post(`/api/v1/assessments/${a.id}/workbook?dryRun=1`).attach('file', edited, 'r.xlsx').expect(200)).body;
    expect(dry.changed.map((c: { code: string }) => c.code)).to.deep.equal(['X-GAT2182-01', 'X-OWN-02']);
    const applied = (await consultant.post(`/api/v1/assessments/${a.id}/workbook`).attach('file', edited, 'r.xlsx').expect(200)).body;
    expect(applied.applied).to.equal(2);
    const after = (await consultant.get(`/api/v1/assessments/${a.id}/extra-items`).expect(200)).body.data;
    expect(after.map((x: { code: string; value: string; record: string }) => [x.code, x.value, x.record])).to.deep.equal([
      ['X-GAT2182-01', 'conform', '有预案，2026-06 已演练'],
      ['X-OWN-02', 'nonconform', '未开展'],
    ]);
    // Counted in the rate as additional items.
    const summary = (await consultant.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    expect(summary.byLayer.map((l: { layer: string }) => l.layer)).to.include('ADD');

    // A code the assessment does not hold, or an unknown result: refused, nothing applied.
    ws.getRow(3).getCell(6).value = 'X-NOPE-09';
    const bad = await consultant.post(`/api/v1/assessments/${a.id}/workbook`).attach('file', Buffer.from(await wb.xlsx.writeBuffer()), 'r.xlsx').expect(400);
    expect(bad.body.error.details.map((d: { code: string }) => d.code)).to.include('out_of_scope');
    expect((await consultant.get(`/api/v1/assessments/${a.id}/extra-items`).expect(200)).body.data).to.deep.equal(after);
  });
});
