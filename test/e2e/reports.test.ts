import { expect } from 'chai';
import type { Express } from 'express';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';


async function waitDone(agent: Agent, id: string) {
  for (let i = 0; i < 300; i++) {
    const job = (await agent.get(`/api/v1/reports/${id}`).expect(200)).body;
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('report did not finish');
}

function pdfText(pdf: Buffer): { text: string; pages: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-pdf-'));
  try {
    const file = path.join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    return { text, pages: Number(/Pages:\s+(\d+)/.exec(info)![1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeEachEngine('reports', (ctx) => {
  let app: Express;
  let consultant: Agent, auditor: Agent, officer2: Agent;
  let demoId: string;

  before(async () => {
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    demoId = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test').id;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  for (const [lang, conclusion, heading] of [
    ['zh-CN', '基本符合', '网络安全等级测评报告'],
    ['en', 'Basically conforms', 'MLPS Test Report'],
  ] as const) {
    it(`prints the ${lang} test report with the conclusion, the rate, the report number and T001`, async function () {
      this.timeout(120_000);
      const started = await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'pdf', lang }).expect(202);
      expect(started.body).to.include({ status: 'queued', type: 'test_report', assessmentRevision: 1 });
      const job = await waitDone(consultant, started.body.id);
      expect(job.status, job.error).to.equal('done');
      expect(job.progress).to.equal(100);
      const dl = await auditor.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200);
      expect(dl.headers['content-type']).to.equal('application/pdf');
      expect(createHash('sha256').update(dl.body).digest('hex')).to.equal(job.sha256);
      const { text, pages } = pdfText(dl.body);
      const flat = text.replace(/\s+/g, '');
      expect(flat).to.contain(heading.replace(/\s+/g, ''));
      expect(flat).to.contain(conclusion.replace(/\s+/g, ''));
      expect(flat).to.contain('81.03%');
      expect(flat).to.contain('33010043001-25001-26-0123-01');
      expect(flat).to.contain('T001');
      expect(flat).to.contain('部分服务器存在弱口令');
      expect(pages).to.be.within(15, 400);
      // The contents page lists appendix D with the page it starts on.
      const toc = text.split('\f')[2]!;
      const appD = lang === 'zh-CN' ? '附录D' : 'Appendix D';
      const line = toc.split('\n').find((l) => l.replace(/\s+/g, '').includes(appD.replace(/\s+/g, '')))!;
      const pageNo = Number(/(\d+)\s*$/.exec(line)![1]);
      expect(text.split('\f')[pageNo - 1]!.replace(/\s+/g, '')).to.contain(appD.replace(/\s+/g, ''));
    });
  }

  it('renders the other report types as HTML with escaped user text', async () => {
    // A record with markup must come out as text.
    const row = (await auditor.get(`/api/v1/assessments/${demoId}/results?value=nonconform`)).body.data[0];
    await consultant.put(`/api/v1/assessments/${demoId}/results/${row.code}`).send({ objectId: row.objectId, value: 'nonconform', record: '<script>alert(1)</script>', rowVersion: row.rowVersion }).expect(200);
    for (const type of ['test_report', 'gap_analysis', 'remediation_plan', 'executive_summary']) {
      const job = await waitDone(consultant, (await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type, format: 'html', lang: 'zh-CN' }).expect(202)).body.id);
      expect(job.status, `${type}: ${job.error}`).to.equal('done');
      const html = (await auditor.get(`/api/v1/reports/${job.id}/download`).expect(200)).text;
      expect(html).not.to.contain('<script>alert(1)</script>');
      if (type === 'test_report') expect(html).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
      if (type === 'remediation_plan') expect(html).to.contain('运维部 张工');
      if (type === 'gap_analysis') expect(html).to.contain('堡垒机');
      expect(html).not.to.match(/(src|href)="https?:/);
    }
  });

  it('archives every report: auditors list and download, other organisations get 404', async () => {
    const list = (await auditor.get(`/api/v1/assessments/${demoId}/reports`).expect(200)).body.data;
    expect(list.length).to.be.greaterThan(2);
    expect(list.every((r: { sha256: string | null; generator: string }) => r.generator.startsWith('dengbao'))).to.equal(true);
    await officer2.get(`/api/v1/assessments/${demoId}/reports`).expect(404);
    await officer2.get(`/api/v1/reports/${list[0].id}`).expect(404);
    await officer2.get(`/api/v1/reports/${list[0].id}/download`).expect(404);
    await officer2.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report' }).expect(404);
    const bad = await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'novel' }).expect(400);
    expect(bad.body.error.details[0].path).to.equal('type');
  });

  it('puts the newest PDF test report into the evidence pack, which `dengbao pack verify` accepts', async () => {
    const zip = await auditor.get(`/api/v1/assessments/${demoId}/evidence-pack.zip`).buffer(true).parse(binary).expect(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-pack-'));
    try {
      const file = path.join(dir, 'pack.zip');
      writeFileSync(file, zip.body);
      const { runCli } = await import('../utils/process.js');
      const ok = await runCli(['pack', 'verify', file], {});
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.contain('Evidence pack OK');
      expect(zip.body.includes(Buffer.from('report/33010043001-25001-26-0123-01-'))).to.equal(true);
      const bytes = Buffer.from(zip.body);
      bytes[Math.floor(bytes.length / 3)]! ^= 0xff;
      writeFileSync(file, bytes);
      const bad = await runCli(['pack', 'verify', file], {});
      expect(bad.code).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 naming the install command when there is no browser; everything else works', async () => {
    const noBrowser = await createTestAppWithoutBrowser();
    const agent = await signIn(noBrowser, 'consultant');
    const res = await agent.post(`/api/v1/assessments/${demoId}/reports?lang=en`).send({ type: 'test_report', format: 'pdf' }).expect(503);
    expect(res.body.error.code).to.equal('browser_unavailable');
    expect(res.body.error.message).to.contain('npx dengbao browser install').and.contain('apt-get install -y chromium');
    const html = await agent.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'executive_summary', format: 'html' }).expect(202);
    expect((await waitDone(agent, html.body.id)).status).to.equal('done');
    await agent.get(`/api/v1/assessments/${demoId}/summary`).expect(200);
    // /healthz says which browser reports use, or why there is none.
    expect((await agent.get('/healthz').expect(200)).body.browser).to.deep.equal({ reason: 'no browser configured' });
    expect((await auditor.get('/healthz').expect(200)).body.browser).to.have.property('path').that.is.a('string');
  });

  async function createTestAppWithoutBrowser(): Promise<Express> {
    const { createApp } = await import('../../server/app.js');
    const { testConfig } = await import('../utils/app.js');
    const { createLogger } = await import('../../server/logger.js');
    return createApp({ db: ctx.db.knex, config: testConfig(ctx.db), logger: createLogger('silent'), printer: new PdfPrinter(undefined) });
  }
});
