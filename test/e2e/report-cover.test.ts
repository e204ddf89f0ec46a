import { expect } from 'chai';
import type { Express } from 'express';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import { reportDateRange, reportDateTime } from '../../reports/dates.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdfText } from '../utils/pdf.js';

const REPORT_NUMBER = '33010043001-25001-26-0123-01';
const ISO_TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

async function report(agent: Agent, id: string, lang: 'zh-CN' | 'en', format: 'pdf' | 'html') {
  const started = await agent.post(`/api/v1/assessments/${id}/reports`).send({ type: 'test_report', format, lang }).expect(202);
  for (let i = 0; i < 600; i++) {
    const job = (await agent.get(`/api/v1/reports/${started.body.id}`).expect(200)).body;
    if (job.status === 'failed') throw new Error(`report failed: ${JSON.stringify(job)}`);
    if (job.status === 'done') {
      const dl = await agent.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200);
      return { job, dl, body: dl.body as Buffer };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('report did not finish');
}


/** The test report as a reader checks it: the cover, dates, codes, the inheritance sentence, the file name. */
describeEachEngine('test report cover and details', (ctx) => {
  let app: Express;
  let consultant: Agent;
  let id: string;

  before(async () => {
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    id = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  it('formats dates for the reader, never a dangling dash or an ISO timestamp', () => {
    expect(reportDateRange('2026-10-15', null, 'zh-CN')).to.equal('2026年10月15日起');
    expect(reportDateRange('2026-10-15', '2026-11-02', 'zh-CN')).to.equal('2026年10月15日至2026年11月2日');
    expect(reportDateRange('2026-10-15', '2026-11-02', 'en')).to.equal('15 October 2026 to 2 November 2026');
    expect(reportDateRange(null, null, 'en')).to.equal('');
    expect(reportDateTime('2026-11-30T17:05:00.000Z', 'zh-CN')).to.equal('2026年12月1日 01:05'); // China time
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`(${lang}, HTML) has a complete cover, no ISO timestamp, unbreakable unit codes and the inheritance sentence once per control point`, async function () {
      this.timeout(120_000);
      const { body, job, dl } = await report(consultant, id, lang, 'html');
      const html = body.toString('utf8');
      const cover = html.slice(html.indexOf('<section class="cover">'), html.indexOf('</section>'));
      expect(cover).to.contain(REPORT_NUMBER);
      expect(cover).to.contain(lang === 'zh-CN' ? '2026年10月15日起' : 'from 15 October 2026'); // no end date yet: no "2026-10-15 — "
      expect(cover).not.to.match(/—\s*</);
      expect(cover).to.contain(lang === 'zh-CN' ? '报告日期' : 'Report date');
      expect(html).not.to.match(ISO_TIMESTAMP);
      expect(html).to.contain('td.code, .code { white-space: nowrap; }');
      expect(html).to.match(/<td class="code">L3-CES1-01<\/td>/);
      // Appendix D: the inherited record is one cell per object and control point, not one per row.
      const inheritedRows = await ctx.db.knex('assessment_results').where({ assessment_id: id, inherited: true }).count({ n: '*' }).first();
      const sentence = lang === 'zh-CN' ? '继承云平台等级测评结论' : '继承云平台等级测评结论'; // the record is the assessor's text, in Chinese
      const said = html.split(sentence).length - 1;
      expect(said).to.be.greaterThan(0).and.lessThan(Number(inheritedRows!.n));
      expect(html).to.match(/<td rowspan="\d+">继承云平台等级测评结论/);
      expect(job.fileName).to.equal(`${REPORT_NUMBER}-${lang === 'zh-CN' ? '等级测评报告' : 'test-report'}.html`);
      // A Chinese name travels as RFC 5987 filename*; an ASCII one needs no more than filename.
      if (lang === 'zh-CN') expect(dl.headers['content-disposition']).to.contain(`filename*=UTF-8''${encodeURIComponent(job.fileName)}`);
      else expect(dl.headers['content-disposition']).to.match(new RegExp(`filename="?${job.fileName}"?$`));
    });
  }

  it('(zh-CN, PDF) reads back with pdftotext: cover dates as dates, no ISO timestamp, a Chinese file name (RFC 5987)', async function () {
    this.timeout(240_000);
    const { body, job, dl } = await report(consultant, id, 'zh-CN', 'pdf');
    expect(job.fileName).to.equal(`${REPORT_NUMBER}-等级测评报告.pdf`);
    const cd = String(dl.headers['content-disposition']);
    expect(cd).to.contain(`filename*=UTF-8''${encodeURIComponent(`${REPORT_NUMBER}-等级测评报告.pdf`)}`);
    expect(cd).to.match(new RegExp(`filename="?${REPORT_NUMBER}-test-report.pdf"?;`)); // the ASCII fallback
    const text = pdfText(body);
    const cover = text.slice(0, text.indexOf('基本信息'));
    expect(cover).to.contain('2026年10月15日起');
    expect(cover).not.to.match(/2026-10-15\s*—/);
    expect(text).not.to.match(ISO_TIMESTAMP);
    expect(text).to.match(/生成时间 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  });
});
