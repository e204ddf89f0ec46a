import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { findChromium, PdfPrinter, type PdfOptions } from '../../reports/pdf/chromium.js';
import { translator } from '../../server/i18n.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { waitDone } from '../utils/docx.js';

const hasPoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The real printer, remembering what it was asked to print. */
class CountingPrinter extends PdfPrinter {
  readonly calls: Array<{ html: string; options: PdfOptions }> = [];
  override pdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
    this.calls.push({ html, options });
    return super.pdf(html, options);
  }
}

const flat = (s: string) => s.replace(/\s+/g, '');
const labels = translator('zh-CN')('report', { returnObjects: true }) as unknown as Record<string, string>;
/** The sixteen contents entries as printed (e.g. "1测评项目概述", "附录D单项测评结果记录"). */
const CHAPTERS = ['ch1', 'ch2', 'ch3', 'ch4', 'ch5', 'ch6', 'ch7', 'ch8', 'app_a', 'app_b', 'app_c', 'app_d', 'app_e', 'app_f', 'app_g', 'app_i'].map((k) => flat(labels[k]!));

describeEachEngine('test report contents page (one full print)', (ctx) => {
  let app: Express;
  let consultant: Agent;
  let printer: CountingPrinter;
  let dir: string;

  before(async function () {
    if (!hasPoppler || !findChromium()) return this.skip();
    dir = mkdtempSync(path.join(tmpdir(), 'dengbao-contents-'));
    printer = new CountingPrinter(findChromium(), 1, 240_000);
    app = await createTestApp(ctx.db, {}, { printer });
    consultant = await signIn(app, 'consultant');
  });
  after(async () => {
    await printer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('numbers every chapter with the page it starts on, printing the report once and only the front pages again', async function () {
    this.timeout(300_000);
    const demoId = (await consultant.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test').id;
    const job = (await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'pdf', lang: 'zh-CN' }).expect(202)).body;
    const status = await waitDone(consultant, job.id, 240_000);
    expect(status.status, status.error).to.equal('done');
    const pdf = (await consultant.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const file = path.join(dir, 'r.pdf');
    writeFileSync(file, pdf);

    // One full print; the second print is the front matter only (cover to contents page).
    expect(printer.calls).to.have.length(2);
    const [full, front] = printer.calls;
    expect(full!.html).to.contain('<h2 id="app-d">');
    expect(front!.html).not.to.contain('<h2 id="ch1">');
    expect(front!.html.length).to.be.lessThan(full!.html.length / 3);

    const pages = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\f');
    const total = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
    const contents = pages[2]!;
    // The contents page's footer shows the whole report's page total.
    expect(flat(contents)).to.contain(`3/${total}`);
    const numbered: Record<string, number> = {};
    for (const chapter of CHAPTERS) {
      const line = contents.split('\n').find((l) => flat(l).startsWith(chapter));
      expect(line, `${chapter} on the contents page`).to.be.a('string');
      const n = Number(/(\d+)\s*$/.exec(line!)?.[1]);
      expect(n, `${chapter} has a page number`).to.be.within(4, total);
      // The chapter heading starts a line on that page, and on no page between the contents and it.
      const startsOn = (i: number) => pages[i]!.split('\n').some((l) => flat(l).startsWith(chapter));
      expect(startsOn(n - 1), `${chapter} printed on page ${n}`).to.equal(true);
      for (let i = 3; i < n - 1; i++) expect(startsOn(i), `${chapter} already on page ${i + 1}`).to.equal(false);
      numbered[chapter] = n;
    }
    expect(numbered[CHAPTERS[11]!]).to.be.greaterThan(numbered[CHAPTERS[0]!]!);

    // The contents lines are links to the same pages; metadata and the shipped fonts survived the splice.
    const doc = await PDFDocument.load(pdf);
    const refs = doc.getPages().map((p) => p.ref.toString());
    const dests = doc.catalog.lookup(PDFName.of('Dests'), PDFDict);
    const links = (doc.getPage(2).node.Annots()?.asArray() ?? []).map((a) => doc.context.lookup(a, PDFDict).get(PDFName.of('Dest'))).filter((d): d is PDFName => d instanceof PDFName);
    expect(links).to.have.length(CHAPTERS.length);
    const linked = links.map((d) => refs.indexOf((dests.lookup(d, PDFArray).get(0) as PDFRef).toString()) + 1);
    expect(linked).to.deep.equal(CHAPTERS.map((c) => numbered[c]));
    expect(doc.getTitle()).to.contain('网络安全等级测评报告');
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    for (const f of fonts) {
      expect(f.split(/\s+/)[0]!.replace(/^[A-Z]{6}\+/, '')).to.match(/^NotoS(erif|ans)SC/);
      expect(f).to.match(/\byes\s+yes\s+(yes|no)\s+\d+\s+0\s*$/); // embedded, subset
    }
    // The cover (replaced page) still reads as the cover.
    expect(flat(pages[0]!)).to.contain('33010043001-25001-26-0123-01');
  });
});
