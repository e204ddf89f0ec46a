import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import PizZip from 'pizzip';
import { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { docxToPdf, readDocx, soffice, waitDone } from '../utils/docx.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { runCli } from '../utils/process.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const REPORT_NUMBER = '33010043001-25001-26-0123-01';

describeEachEngine('Word reports', (ctx) => {
  let app: Express;
  let consultant: Agent, auditor: Agent, officer2: Agent;
  let demoId: string;
  let numbers: string[];
  const files: Record<string, Buffer> = {};

  async function docxReport(type: string, lang: string) {
    const started = await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type, format: 'docx', lang }).expect(202);
    const job = await waitDone(consultant, started.body.id);
    expect(job.status, job.error).to.equal('done');
    const dl = await auditor.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200);
    return { job, dl, body: dl.body as Buffer };
  }

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    demoId = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test').id;
    // User text that looks like markup or like a template tag must come out literally.
    const units = (await auditor.get(`/api/v1/assessments/${demoId}/findings`)).body.data[0].units;
    await consultant.post(`/api/v1/assessments/${demoId}/findings`).send({ title: '<w:p>', units, risk: 'low', recommendation: 'a & b </w:t>' }).expect(201);
    await consultant.post(`/api/v1/assessments/${demoId}/findings`).send({ title: '{{x}} {reportNumber}', units, risk: 'medium' }).expect(201);
    numbers = (await auditor.get(`/api/v1/assessments/${demoId}/findings`)).body.data.map((f: { number: string }) => f.number);
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  for (const [lang, title, first, last] of [
    ['zh-CN', '网络安全等级测评报告', '基本信息', '附录I 威胁列表'],
    ['en', 'MLPS Test Report', 'Basic information', 'Appendix I'],
  ] as const) {
    it(`builds the ${lang} test report as Word: headings in order, TOC field, header/footer, tables, every finding`, async function () {
      this.timeout(120_000);
      const { job, dl, body } = await docxReport('test_report', lang);
      files[lang] = body;
      expect(dl.headers['content-type']).to.equal(DOCX);
      expect(job.fileName).to.equal(`${REPORT_NUMBER}-${lang === 'zh-CN' ? '等级测评报告' : 'test-report'}.docx`);
      expect(job.template).to.equal(null);
      expect(createHash('sha256').update(body).digest('hex')).to.equal(job.sha256);
      const doc = readDocx(body);
      expect(doc.text).to.contain(title);
      // Word's own heading styles, chapters in the 2025 order (navigation pane and TOC use them).
      const h1 = doc.headings.filter((h) => h.level === 1).map((h) => h.text);
      expect(h1[0]).to.equal(first);
      expect(h1.at(-1)).to.contain(last);
      const chapters = h1.filter((h) => /^[1-8] /.test(h)).map((h) => h[0]);
      expect(chapters).to.deep.equal(['1', '2', '3', '4', '5', '6', '7', '8']);
      const appendices = h1.filter((h) => /^(附录|Appendix )[A-I]/.test(h)).map((h) => /[A-I]/.exec(h.replace(/^Appendix /, ''))![0]);
      expect(appendices).to.deep.equal(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'I']);
      expect(doc.headings.some((h) => h.level === 2)).to.equal(true);
      // Chapter 7 has the major risk hazards part, appendix G the trigger table of appendix G table 1.
      const h2 = doc.headings.filter((h) => h.level === 2).map((h) => h.text);
      expect(h2.some((h) => h.startsWith(lang === 'zh-CN' ? '重大风险隐患分析' : 'Major risk hazards'))).to.equal(true);
      expect(h2).to.include(lang === 'zh-CN' ? '表1 重大风险隐患触发项参照表' : 'Table 1 Major-risk-hazard triggers');
      expect(doc.text).to.contain('A-01');
      const styles = doc.xml('word/styles.xml');
      for (const id of ['Heading1', 'Heading2', 'Heading3']) expect(styles).to.contain(`w:styleId="${id}"`);
      // The contents: a TOC field over heading levels 1-3, which Word refreshes on open.
      expect(doc.xml()).to.match(/instrText[^>]*>TOC (\\h )?\\o &quot;1-3&quot;</);
      expect(doc.xml('word/settings.xml')).to.match(/<w:updateFields( w:val="(true|1)")?\/>/);
      // Report number in the page header, page numbers in the footer.
      expect(doc.xml('word/header1.xml')).to.contain(REPORT_NUMBER);
      expect(doc.xml('word/footer1.xml')).to.contain('PAGE').and.contain('NUMPAGES');
      // CJK fonts: 宋体 body and 黑体 headings, declared with their Windows names.
      expect(styles).to.contain('w:eastAsia="宋体"').and.contain('w:eastAsia="黑体"');
      expect(doc.xml('word/fontTable.xml')).to.contain('<w:altName w:val="SimSun"/>').and.contain('<w:altName w:val="SimHei"/>');
      // Charts: native Word charts with their data.
      expect(doc.zip.file('word/charts/chart1.xml')).to.not.equal(null);
      expect(doc.zip.file('word/charts/chart2.xml')).to.not.equal(null);
      // Tables: the findings table has a repeating header row and one row per finding.
      const findingsTable = doc.tables.find((t) => t.rows[0]![0] === (lang === 'zh-CN' ? '编号' : 'No.') && t.rows[0]!.length === 6)!;
      expect(findingsTable.header).to.equal(1);
      // Every finding once, under its own (stable) number; the report orders them by risk.
      expect(findingsTable.rows.slice(1).map((r) => r[0]).sort()).to.deep.equal([...numbers].sort());
      expect(doc.tables.every((t) => t.header <= 1)).to.equal(true);
      for (const n of numbers) expect(doc.text).to.contain(n);
      expect(doc.text).to.contain('部分服务器存在弱口令');
      // Escaped: the titles are text, the XML stays well-formed, nothing was taken as a tag.
      expect(findingsTable.rows.some((r) => r[1]!.startsWith('<w:p>'))).to.equal(true);
      expect(doc.text).to.contain('{{x}} {reportNumber}').and.contain('a & b </w:t>');
      expect(doc.xml()).to.contain('&lt;w:p&gt;');
      // Chapters 4 and 6 come from the demo's verification tests and compensation (test/e2e/docx-verification.test.ts).
      expect(doc.text).to.contain(lang === 'zh-CN' ? '4.1 漏洞扫描' : '4.1 Vulnerability scanning');
    });
  }

  it('opens in LibreOffice: the demo test report converts to PDF with a sane page count', async function () {
    this.timeout(300_000);
    const bin = soffice();
    if (!bin) {
      console.log('      (skipped: LibreOffice not installed — apt-get install libreoffice-writer-nogui)');
      this.skip();
    }
    const { pages, text } = docxToPdf(bin!, files['zh-CN']!);
    const flat = text.replace(/\s+/g, '');
    expect(pages, `${pages} pages`).to.be.within(10, 400);
    console.log(`      (LibreOffice: ${pages} pages)`);
    expect(flat).to.contain(REPORT_NUMBER);
    expect(flat).to.contain('T001');
    expect(flat).to.contain('附录D');
  });

  it('builds the other report types as Word documents', async function () {
    this.timeout(120_000);
    for (const [type, heading] of [
      ['gap_analysis', '差距项'],
      ['remediation_plan', '整改计划'],
      ['executive_summary', '测评结论'],
    ] as const) {
      const { body } = await docxReport(type, 'zh-CN');
      const doc = readDocx(body);
      expect(doc.text, type).to.contain(heading);
      if (type === 'remediation_plan') {
        expect(doc.text).to.contain('运维部 张工');
        const t = doc.tables[0]!;
        expect(t.header).to.equal(1);
        expect(t.rows.slice(1).map((r) => r[0]).sort()).to.deep.equal([...numbers].sort());
      }
      if (type === 'gap_analysis') expect(doc.text).to.contain('堡垒机');
    }
  });

  it('archives docx like PDF: listed with hash, other organisations get 404, the evidence pack holds the newest docx test report', async function () {
    this.timeout(60_000);
    const list = (await auditor.get(`/api/v1/assessments/${demoId}/reports`).expect(200)).body.data;
    const docx = list.filter((r: { format: string }) => r.format === 'docx');
    expect(docx.length).to.be.greaterThan(4);
    expect(docx.every((r: { sha256: string; mediaType: string }) => /^[0-9a-f]{64}$/.test(r.sha256) && r.mediaType === DOCX)).to.equal(true);
    await officer2.get(`/api/v1/reports/${docx[0].id}/download`).expect(404);
    const zip = await auditor.get(`/api/v1/assessments/${demoId}/evidence-pack.zip`).buffer(true).parse(binary).expect(200);
    const pack = new PizZip(zip.body);
    const newest = docx.find((r: { type: string }) => r.type === 'test_report');
    const entry = pack.file(`report/${newest.fileName}`);
    expect(entry, 'docx test report in the pack').to.not.equal(null);
    expect(createHash('sha256').update(entry!.asNodeBuffer()).digest('hex')).to.equal(newest.sha256);
    expect(pack.file('manifest.json')!.asText()).to.contain(newest.fileName);
    // `dengbao pack verify` accepts the pack with the docx in it.
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-pack-'));
    try {
      writeFileSync(path.join(dir, 'pack.zip'), zip.body);
      const ok = await runCli(['pack', 'verify', path.join(dir, 'pack.zip')], {});
      expect(ok.code, ok.stderr).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes Word documents on a server without a browser (charts are native, nothing is printed)', async function () {
    this.timeout(60_000);
    const { createApp } = await import('../../server/app.js');
    const { testConfig } = await import('../utils/app.js');
    const { createLogger } = await import('../../server/logger.js');
    const noBrowser = createApp({ db: ctx.db.knex, config: testConfig(ctx.db), logger: createLogger('silent'), printer: new PdfPrinter(undefined) });
    const agent = await signIn(noBrowser, 'consultant');
    await agent.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'pdf' }).expect(503);
    const job = await waitDone(agent, (await agent.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'docx' }).expect(202)).body.id);
    expect(job.status, job.error).to.equal('done');
    const cityBrain = (await agent.get('/api/v1/systems').expect(200)).body.data.find((s: { name: string }) => s.name === '城市大脑运营管理平台').id;
    await agent.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'grading_report', format: 'docx' }).expect(201);
    const pdf = await agent.post(`/api/v1/systems/${cityBrain}/documents`).send({ type: 'grading_report', format: 'pdf' }).expect(503);
    expect(pdf.body.error.code).to.equal('browser_unavailable');
  });

  it('refuses a template on a non-Word format, and an unknown template', async () => {
    const bad = await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'pdf', templateId: '00000000-0000-4000-8000-000000000000' });
    expect([400, 503]).to.include(bad.status);
    await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'docx', templateId: '00000000-0000-4000-8000-000000000000' }).expect(404);
  });
});
