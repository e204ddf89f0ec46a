import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { findChromium, PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { waitDone } from '../utils/docx.js';

const hasPoppler = (() => {
  try {
    execFileSync('pdffonts', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A fontconfig configuration that keeps the host's fonts but rejects every CJK one: Chromium then
 * has no Chinese font of the host's to fall back to, as on a machine without fonts-noto-cjk.
 */
const NO_CJK_FONTCONFIG = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>`;

describeEachEngine('report fonts shipped with dengbao', (ctx) => {
  let app: Express;
  let consultant: Agent;
  let printer: PdfPrinter;
  let dir: string;

  before(async function () {
    if (!hasPoppler || !findChromium()) return this.skip();
    dir = mkdtempSync(path.join(tmpdir(), 'dengbao-fonts-'));
    const conf = path.join(dir, 'fonts.conf');
    writeFileSync(conf, NO_CJK_FONTCONFIG);
    // The host's CJK fonts are hidden from this browser process only.
    printer = new PdfPrinter(findChromium(), 1, 180_000, { FONTCONFIG_FILE: conf });
    app = await createTestApp(ctx.db, {}, { printer });
    consultant = await signIn(app, 'consultant');
  });
  after(async () => {
    await printer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the host has no CJK font under that configuration (so the next test can fail)', function () {
    const listed = execFileSync('fc-list', [':lang=zh-cn'], { env: { ...process.env, FONTCONFIG_FILE: path.join(dir, 'fonts.conf') }, encoding: 'utf8' });
    expect(listed.trim()).to.equal('');
  });

  it('prints the demo test report in Chinese with only the shipped Noto fonts embedded', async function () {
    this.timeout(240_000);
    const demoId = (await consultant.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test').id;
    const job = (await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'executive_summary', format: 'pdf', lang: 'zh-CN' }).expect(202)).body;
    const status = await waitDone(consultant, job.id, 120_000);
    expect(status.status, status.error).to.equal('done');
    const pdf = (await consultant.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const file = path.join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' })
      .split('\n')
      .slice(2)
      .filter(Boolean)
      .map((l) => l.split(/\s+/)[0]!.replace(/^[A-Z]{6}\+/, ''));
    expect(fonts.length).to.be.greaterThan(0);
    // Every embedded font is one of the two shipped families (fontsource names them after their instances).
    for (const f of fonts) expect(f).to.match(/^NotoS(erif|ans)SC/);
    expect(fonts.some((f) => f.startsWith('NotoSerifSC'))).to.equal(true);
    expect(fonts.some((f) => f.startsWith('NotoSansSC'))).to.equal(true);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    expect(text).to.contain('基本符合');
    // The page header (report number and system name) prints in the shipped font too.
    expect(text).to.contain('33010043001-25001-26-0123-01');
  });
});
