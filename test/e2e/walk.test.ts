import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ORG_ROLES } from '../../server/context.js';
import { DEMO_PASSWORD } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ARTIFACTS, startBrowserApp, type BrowserApp } from '../utils/browser-app.js';
import { rawEnumValues } from '../utils/raw-enums.js';

/** A locale key shown as such (a translation missing): block name, a dot, a snake_case key. */
const RAW_KEY = /\b(ui|report|errors|resources|flow|field_errors|enum|finding|hazard|sod|filing2025|documents|verification|audit)\.[a-z0-9]+_[a-z0-9_]+\b/;
const ROLES = new Set<string>(ORG_ROLES);

/**
 * Issue 14, "Done when": in Chinese and in English, an officer takes a new system through grading,
 * filing, objects (pasted from Excel), an assessment, results (workspace form), findings raised from
 * the results, a report and the evidence pack; then an auditor reads and downloads. Only what a
 * user does: page loads, typing, choosing, clicking; no API call from the test. Every page is checked
 * for raw enum values and untranslated keys; each step is a screenshot in test-artifacts/.
 */
describeEachEngine('the whole engagement in the browser (officer, then auditor)', (ctx) => {
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;

  before(async function () {
    this.timeout(60_000);
    harness = await startBrowserApp(ctx.db);
    ({ base, browser } = harness);
  });
  after(async () => {
    await harness?.close();
  });

  /** A signed-in page in its own browser context, downloads going to its own folder. */
  async function signIn(username: string, lang: 'zh-CN' | 'en'): Promise<{ page: Page; downloads: string }> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1360, height: 900 });
    const downloads = path.join(ARTIFACTS, `walk-downloads-${ctx.engine}-${lang}-${username}`);
    rmSync(downloads, { recursive: true, force: true });
    mkdirSync(downloads, { recursive: true });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, browserContextId: (context as unknown as { id?: string }).id });
    await page.goto(`${base}/lang?to=${lang}&back=/login`);
    await page.type('input[name=username]', username);
    await page.type('input[name=password]', DEMO_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return { page, downloads };
  }

  /** Clicks a download link and waits for the file (Chromium writes *.crdownload until done). */
  async function download(page: Page, downloads: string, selector: string): Promise<{ name: string; bytes: Buffer }> {
    for (const f of readdirSync(downloads)) rmSync(path.join(downloads, f), { force: true });
    await page.click(selector);
    for (let i = 0; i < 600; i++) {
      const done = readdirSync(downloads).filter((f) => !f.endsWith('.crdownload'));
      if (done.length) return { name: done[0]!, bytes: readFileSync(path.join(downloads, done[0]!)) };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no download from ${selector}`);
  }

  /** The page as the user sees it: no raw enum value, no locale key; then a screenshot. */
  async function check(page: Page, lang: 'zh-CN' | 'en', step: string, fullPage = true): Promise<string> {
    const text = await page.$eval('body', (b) => (b as HTMLElement).innerText);
    expect(text, `${lang} ${step}: untranslated key`).not.to.match(RAW_KEY);
    expect(rawEnumValues(text, lang).filter((v) => !ROLES.has(v)), `${lang} ${step}: raw enum values`).to.deep.equal([]);
    if (lang === 'zh-CN') expect(text, `${lang} ${step}: English error prose`).not.to.match(/must not be|is required|not allowed/);
    await page.screenshot({ path: path.join(ARTIFACTS, `walk-${ctx.engine}-${lang}-${step}.png`), fullPage });
    await atPhoneWidth(page, lang, step);
    return text;
  }

  /**
   * The same page at 390 px (a phone): no horizontal scrolling, and a screenshot. The viewport is
   * narrowed in place (no reload: a page answering a refused POST would be sent again) and restored.
   */
  async function atPhoneWidth(page: Page, lang: 'zh-CN' | 'en', step: string): Promise<void> {
    const desktop = page.viewport()!;
    await page.setViewport({ width: 390, height: 844 });
    try {
      const { scroll, client, widest } = await page.evaluate(`(() => {
        const client = document.documentElement.clientWidth;
        const widest = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > client + 1)
          .slice(0, 5)
          .map((e) => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
        return { scroll: document.documentElement.scrollWidth, client, widest };
      })()`) as { scroll: number; client: number; widest: string[] };
      await page.screenshot({ path: path.join(ARTIFACTS, `walk-390-${ctx.engine}-${lang}-${step}.png`), fullPage: true });
      expect(scroll, `${lang} ${step} at 390 px: page ${scroll} px wide in a ${client} px window (${widest.join(', ')})`).to.be.at.most(client);
    } finally {
      await page.setViewport(desktop);
    }
  }

  const click = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`walks an officer from a new system to the report and the evidence pack, then an auditor (${lang})`, async function () {
      this.timeout(600_000);
      const zh = lang === 'zh-CN';
      const name = zh ? `走查系统 ${ctx.engine}` : `Walk-through system ${ctx.engine}`;
      const { page, downloads } = await signIn('officer', lang);
      await check(page, lang, '01-dashboard');

      // A new system.
      await page.goto(`${base}/systems`);
      await click(page, 'a[href="/systems/new"]');
      await page.type('input[name=name]', name);
      await page.type('textarea[name=description]', zh ? '端到端走查创建的系统' : 'Created by the end-to-end walk');
      await click(page, 'form button.primary');
      expect(page.url()).to.match(/\/systems\/[0-9a-f-]{36}$/);
      const systemUrl = page.url();
      await check(page, lang, '02-system-new');

      // Grading: a first try without a rationale long enough keeps the harms chosen.
      await page.select('select[name=s_social]', 'serious');
      await page.select('select[name=a_social]', 'serious');
      await page.$eval('textarea[name=rationale]', (t) => { (t as HTMLTextAreaElement).removeAttribute('minlength'); (t as HTMLTextAreaElement).value = 'short'; });
      await click(page, 'form.grading button.primary');
      expect(await page.$eval('select[name=s_social]', (s) => (s as HTMLSelectElement).value)).to.equal('serious');
      expect(await page.$eval('select[name=a_social]', (s) => (s as HTMLSelectElement).value)).to.equal('serious');
      expect(await page.$eval('.field-error', (e) => e.textContent)).to.contain(zh ? '至少 10 个字' : 'at least 10 characters');
      await check(page, lang, '03-grading-refused');
      await page.$eval('textarea[name=rationale]', (t) => ((t as HTMLTextAreaElement).value = ''));
      await page.type('textarea[name=rationale]', zh ? '业务信息和系统服务遭到破坏后会对社会秩序造成严重损害。' : 'Damage to the information or the service seriously harms social order.');
      await click(page, 'form.grading button.primary');
      expect(await page.$eval('h1', (h) => h.textContent)).to.contain('S3A3G3');
      await check(page, lang, '04-graded');

      // Expert review and approval (dates default to today in China).
      await page.type('textarea[name=experts]', zh ? '张教授\n李高工' : 'Prof. Zhang\nEng. Li');
      await page.type('textarea[name=opinion]', zh ? '同意定为第三级' : 'Level 3 agreed');
      await click(page, '#workflow button.primary');
      await page.type('input[name=authority]', zh ? '示例市数据资源管理局' : 'Example City Data Bureau');
      await page.type('input[name=reference]', zh ? '示数资〔2026〕7号' : 'ECDB 2026 No. 7');
      await click(page, '#workflow button.primary');
      const approved = await check(page, lang, '05-approved');
      expect(approved).to.contain(zh ? '提交日期不得早于定级审批日期' : 'Not before the grading approval');

      // Filing: submitted, then certified with the attachments still missing (confirmed).
      await page.type('input[name=filingOrgan]', zh ? '示例市公安局网安支队' : 'Example City PSB cyber security division');
      await click(page, '#workflow button.primary');
      await page.type('input[name=certificateNumber]', `33010043001-${lang === 'en' ? '27' : '26'}${ctx.engine === 'sqlite' ? '1' : '2'}01`);
      expect(await page.$$('input[name=confirmMissing]')).to.have.length(1);
      await page.click('input[name=confirmMissing]');
      await click(page, '#workflow button.primary');
      const filed = await check(page, lang, '06-filed');
      expect(await page.$eval('li[data-step="filing"]', (e) => e.getAttribute('data-state'))).to.equal('done');
      expect(filed).to.contain(zh ? '备案附件有缺失' : 'filing attachments missing');

      // Objects pasted from Excel (tab-separated), in the catalogue's Chinese names or codes.
      const rows = zh
        ? '服务器/存储设备\t数据库服务器\t10.0.0.5\tOracle 19c\t关键\n网络设备\t核心交换机\t10.0.0.1\tV200R010\t重要\n业务应用系统/平台\t门户系统\t10.0.1.10\tv3.2\t关键\n安全管理文档\t安全管理制度\t\t\t一般'
        : 'server_storage\tDatabase server\t10.0.0.5\tOracle 19c\tkey\nnetwork_device\tCore switch\t10.0.0.1\tV200R010\timportant\nbusiness_application\tPortal\t10.0.1.10\tv3.2\tkey\nmanagement_document\tSecurity policies\t\t\tgeneral';
      await page.$eval('textarea[name=rows]', (t, v) => ((t as HTMLTextAreaElement).value = v as string), rows);
      await click(page, 'form.paste-objects button');
      expect(await page.$$('table.objects tr[data-object]')).to.have.length(4);
      await check(page, lang, '07-objects');

      // An assessment (formal test), started from the system page.
      await page.type('form.new-assessment input[name=assessingOrganization]', zh ? '示例测评中心' : 'Example Testing Centre');
      await page.type('form.new-assessment input[name=assessingOrganizationCode]', '0420');
      await click(page, 'form.new-assessment button.primary');
      expect(page.url()).to.match(/\/assessments\/[0-9a-f-]{36}$/);
      const assessmentUrl = page.url();
      await page.goto(systemUrl);
      await click(page, 'li[data-assessment] form[action$="/transitions"] button[value=in_progress]');
      await check(page, lang, '08-assessment');

      // Results through the workspace form: nonconform, partial, conform on the first unassessed rows.
      for (const value of ['nonconform', 'partial', 'conform']) {
        await page.goto(`${assessmentUrl}?filter=unassessed`);
        await page.type('article.result form.entry textarea[name=record]', zh ? `走查记录：${value}` : `Walk record: ${value}`);
        // The workspace saves in place (the page's script sends the form; no reload).
        await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'PUT' && /\/results\//.test(r.url()) && r.status() === 200),
          page.click(`article.result form.entry button[value=${value}]`),
        ]);
      }
      await check(page, lang, '09-workspace', false);

      // Findings raised from the non-conforming and partial results, in one action.
      await page.goto(`${assessmentUrl}/findings`);
      await click(page, '#from-results');
      await check(page, lang, '10-finding-drafts');
      await click(page, 'form.finding-drafts button.primary');
      const board = await check(page, lang, '11-findings');
      expect(board).to.match(/T\d+/);

      // A report requested and downloaded, then the evidence pack, from the archive page.
      await page.goto(`${assessmentUrl}/reports`);
      await page.select('select[name=type]', 'test_report');
      await page.select('select[name=format]', 'html');
      await page.select('select[name=lang]', lang);
      await click(page, 'form button.primary');
      await page.waitForSelector('tr[data-type="test_report"][data-status="done"] a', { timeout: 180_000 });
      const archive = await check(page, lang, '12-report-archive');
      expect(archive).to.match(/[0-9a-f]{64}/);
      const report = await download(page, downloads, 'tr[data-type="test_report"][data-status="done"] a');
      expect(report.bytes.toString('utf8')).to.contain(name);
      const pack = await download(page, downloads, 'a.evidence-pack');
      expect(pack.name).to.match(/\.zip$/);
      expect(pack.bytes.subarray(0, 2).toString()).to.equal('PK');
      await page.browserContext().close();

      // The auditor: from the dashboard, one click to the archive and one to the evidence pack.
      const auditor = await signIn('auditor', lang);
      await check(auditor.page, lang, '13-auditor-dashboard');
      const row = `//tr[td/a[normalize-space(text())="${name}"]]`;
      const archiveLink = await auditor.page.$(`::-p-xpath(${row}//a[contains(@class,"archive-link")])`);
      expect(archiveLink, 'archive link on the dashboard').to.not.equal(null);
      await Promise.all([auditor.page.waitForNavigation(), archiveLink!.click()]);
      await check(auditor.page, lang, '14-auditor-archive');
      const auditorReport = await download(auditor.page, auditor.downloads, 'tr[data-type="test_report"][data-status="done"] a');
      expect(auditorReport.bytes.length).to.equal(report.bytes.length);
      await auditor.page.goto(`${base}/`);
      await auditor.page.$eval(`::-p-xpath(${row}//a[contains(@class,"pack-link")])`, (a) => (a as HTMLElement).classList.add('walk-pack'));
      const auditorPack = await download(auditor.page, auditor.downloads, 'a.walk-pack');
      expect(auditorPack.bytes.subarray(0, 2).toString()).to.equal('PK');
      await auditor.page.goto(systemUrl);
      await check(auditor.page, lang, '15-auditor-system');
      expect(await auditor.page.$$eval('form[method=post]', (fs) => fs.map((f) => f.getAttribute('action')))).to.deep.equal(['/logout']);
      await auditor.page.browserContext().close();
    });
  }
});
