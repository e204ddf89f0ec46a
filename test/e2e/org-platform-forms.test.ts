import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import PizZip from 'pizzip';
import type { Browser, Page } from 'puppeteer-core';
import { readFileSync } from 'node:fs';
import { projectRoot } from '../../server/version.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ARTIFACTS, startBrowserApp, type BrowserApp } from '../utils/browser-app.js';
import { clickThrough, signInPage } from '../utils/browser-pages.js';
import { rawEnumValues } from '../utils/raw-enums.js';

const EXAMPLE = path.join(projectRoot(), 'templates', 'docx', 'example-test-report.docx');

/**
 * Issue 14 §1 "every API capability has a form", for what an officer keeps about the organisation:
 * its details, its Word report templates (upload, new version, download; refused placeholders
 * listed with their position), its private cloud platforms and their responsibility matrices.
 * Real Chromium, no JavaScript needed by the forms, both languages.
 */
describeEachEngine('organisation, template and platform forms in the browser', (ctx) => {
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;
  let orgId: string;
  let broken: string;

  before(async function () {
    this.timeout(90_000);
    harness = await startBrowserApp(ctx.db);
    ({ base, browser } = harness);
    const officer = await ctx.db.knex('users').where({ username: 'officer' }).first();
    orgId = (await ctx.db.knex('memberships').where({ user_id: officer.id, role: 'officer' }).orderBy('organization_id').first()).organization_id;
    // The example template with a placeholder the report does not have.
    const zip = new PizZip(readFileSync(EXAMPLE));
    zip.file('word/document.xml', zip.file('word/document.xml')!.asText().replace('{reportNumber}', '{reportNumbr}'));
    broken = path.join(ARTIFACTS, `broken-template-${ctx.engine}.docx`);
    writeFileSync(broken, zip.generate({ type: 'nodebuffer' }) as Buffer);
  });
  after(async () => {
    await harness?.close();
  });

  const signIn = (username: string, lang: 'zh-CN' | 'en') => signInPage(browser, base, username, lang, { via: 'switch' }); // the forms are plain POST + redirect
  const click = clickThrough;

  /** What the user reads: no raw enum value, no locale key; at 390 px nothing scrolls sideways. */
  async function check(page: Page, lang: 'zh-CN' | 'en', step: string): Promise<string> {
    const text = await page.$eval('body', (b) => (b as HTMLElement).innerText);
    expect(text, `${step}: locale key`).not.to.match(/\b(org_admin|platform_admin|ui|errors|enum)\.[a-z0-9_]+\b/);
    expect(rawEnumValues(text, lang).filter((v) => !['officer', 'consultant', 'auditor'].includes(v)), `${step}: raw enum values`).to.deep.equal([]);
    await page.screenshot({ path: path.join(ARTIFACTS, `org-forms-${ctx.engine}-${lang}-${step}.png`), fullPage: true });
    await page.setViewport({ width: 390, height: 844 });
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    await page.screenshot({ path: path.join(ARTIFACTS, `org-forms-390-${ctx.engine}-${lang}-${step}.png`), fullPage: true });
    await page.setViewport({ width: 1280, height: 900 });
    expect(scroll, `${step} at 390 px`).to.be.at.most(client);
    return text;
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    const zh = lang === 'zh-CN';

    it(`(${lang}) an officer edits the organisation; a bad credit code keeps what was typed, with the error at the field`, async function () {
      this.timeout(120_000);
      const page = await signIn('officer', lang);
      await page.goto(`${base}/admin`);
      await click(page, `a[href="/organizations/${orgId}"]`);
      await check(page, lang, 'org');
      const address = zh ? `杭州市西湖区文三路 ${ctx.engine} 号` : `1 Wensan Road ${ctx.engine}, Hangzhou`;
      await page.$eval('input[name=address]', (i) => ((i as HTMLInputElement).value = ''));
      await page.type('input[name=address]', address);
      await page.$eval('input[name=creditCode]', (i) => {
        i.removeAttribute('pattern');
        (i as HTMLInputElement).value = '';
      });
      await page.type('input[name=creditCode]', 'NOT-A-CODE');
      await click(page, 'form.org-details button.primary');
      expect(await page.$eval('input[name=address]', (i) => (i as HTMLInputElement).value)).to.equal(address);
      expect(await page.$eval('input[name=creditCode]', (i) => (i as HTMLInputElement).value)).to.equal('NOT-A-CODE');
      const fieldError = await page.$eval('input[name=creditCode]', (i) => i.closest('label')!.nextElementSibling?.nextElementSibling?.textContent ?? '');
      expect(fieldError).to.match(zh ? /[\u4e00-\u9fff]/ : /[A-Za-z]/);
      await check(page, lang, 'org-refused');
      await page.$eval('input[name=creditCode]', (i) => ((i as HTMLInputElement).value = '91330106MA2KXXXX0A'.replace(/X/g, '1')));
      await click(page, 'form.org-details button.primary');
      expect(await page.$eval('[role=status]', (e) => e.textContent)).to.equal(zh ? '已保存。' : 'Saved.');
      const row = await ctx.db.knex('organizations').where({ id: orgId }).first();
      expect(row).to.include({ address, credit_code: '91330106MA2K11110A' });
      await page.browserContext().close();
    });

    it(`(${lang}) templates: upload, a new version under the same name, download; a bad placeholder is listed with its position`, async function () {
      this.timeout(120_000);
      const page = await signIn('officer', lang);
      await page.goto(`${base}/organizations/${orgId}`);
      const name = zh ? `机构模板 ${ctx.engine}` : `Our template ${ctx.engine}`;
      // Refused: the placeholder and where it is; the name typed stays.
      await page.type('form.new-template input[name=name]', name);
      await (await page.$('form.new-template input[type=file]'))!.uploadFile(broken);
      await click(page, 'form.new-template button.primary');
      const refused = await check(page, lang, 'template-refused');
      expect(refused).to.contain('reportNumbr');
      expect(await page.$eval('ul.template-problems', (u) => u.textContent ?? '')).to.match(zh ? /不是报告中的字段.*位于 word\/document\.xml/s : /not a field of the report.*in word\/document\.xml/s);
      expect(await page.$eval('form.new-template input[name=name]', (i) => (i as HTMLInputElement).value)).to.equal(name);
      expect(await ctx.db.knex('report_templates').where({ organization_id: orgId, name }).first()).to.equal(undefined);
      // Accepted, then a new version through the template's own form.
      await (await page.$('form.new-template input[type=file]'))!.uploadFile(EXAMPLE);
      await click(page, 'form.new-template button.primary');
      const t = await ctx.db.knex('report_templates').where({ organization_id: orgId, name }).first();
      expect(t, 'template stored').to.not.equal(undefined);
      await (await page.$(`article[data-template="${t.id}"] form.replace-template input[type=file]`))!.uploadFile(EXAMPLE);
      await click(page, `article[data-template="${t.id}"] form.replace-template button`);
      expect(await page.$$eval(`article[data-template="${t.id}"] tr[data-version]`, (trs) => trs.map((tr) => tr.getAttribute('data-version')))).to.deep.equal(['2', '1']);
      await check(page, lang, 'templates');
      const href = await page.$eval(`article[data-template="${t.id}"] tr[data-version="1"] a`, (a) => a.getAttribute('href'));
      await page.browserContext().close();
      // Members read and download; only officers see the upload forms.
      const consultant = await signIn('consultant', lang);
      await consultant.goto(`${base}/organizations/${orgId}`);
      expect(await consultant.$$('form.new-template, form.replace-template, form.org-details')).to.have.length(0);
      expect(await consultant.$(`a[href="${href}"]`)).to.not.equal(null);
      // (A download: read through the page's own session rather than navigated to.)
      const got = await consultant.evaluate(async (u) => {
        const r = await fetch(u);
        return { status: r.status, bytes: [...new Uint8Array(await r.arrayBuffer())] };
      }, href!);
      expect(got.status).to.equal(200);
      expect(Buffer.compare(Buffer.from(got.bytes), readFileSync(EXAMPLE))).to.equal(0);
      await consultant.browserContext().close();
    });

    it(`(${lang}) platforms: an officer registers a private platform, edits it and its matrix; a refused row keeps the page's choices`, async function () {
      this.timeout(120_000);
      const page = await signIn('officer', lang);
      await page.goto(`${base}/platforms`);
      await check(page, lang, 'platforms');
      expect(await page.$('form.platform-new select[name=published]'), 'publishing is not an officer\'s').to.equal(null);
      const product = zh ? `专有云 ${ctx.engine}` : `Private cloud ${ctx.engine}`;
      await page.select('form.platform-new select[name=organizationId]', orgId);
      await page.type('form.platform-new input[name=provider]', zh ? '示例云' : 'Example Cloud');
      await page.type('form.platform-new input[name=product]', product);
      await page.type('form.platform-new input[name=reportNumber]', `R-${lang}-${ctx.engine}`);
      await page.type('form.platform-new input[name=assessingOrganization]', zh ? '示例测评中心' : 'Example Testing Centre');
      await page.$eval('form.platform-new input[name=testDate]', (i) => i.removeAttribute('required'));
      await click(page, 'form.platform-new button.primary');
      // Refused for the missing test date: everything typed stays, the error is at the date.
      expect(await page.$eval('form.platform-new input[name=product]', (i) => (i as HTMLInputElement).value)).to.equal(product);
      expect(await page.$eval('form.platform-new input[name=testDate]', (i) => i.closest('label')!.nextElementSibling?.textContent)).to.equal(zh ? '必须填写' : 'Required');
      await check(page, lang, 'platform-refused');
      await page.$eval('form.platform-new input[name=testDate]', (i) => ((i as HTMLInputElement).value = '2026-03-01'));
      await click(page, 'form.platform-new button.primary');
      expect(page.url()).to.match(/\/platforms\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      expect(await ctx.db.knex('platforms').where({ id }).first()).to.include({ organization_id: orgId, product, test_date: '2026-03-01' });
      // Edit: region and conclusion (the form folds above the matrix).
      await page.click('details#workflow summary');
      await page.type('form.platform-edit input[name=region]', zh ? '华东' : 'East China');
      await page.select('form.platform-edit select[name=conclusion]', '基本符合');
      await click(page, 'form.platform-edit button.primary');
      expect(await ctx.db.knex('platforms').where({ id }).first()).to.include({ region: zh ? '华东' : 'East China', conclusion: '基本符合' });
      await check(page, lang, 'platform');
      // The matrix: a tenant row with a platform result is refused at its row, the choices stay.
      const [first, second] = await page.$$eval('form.matrix-edit tr[data-code]', (trs) => trs.slice(0, 2).map((tr) => tr.getAttribute('data-code')!));
      await page.select(`select[name="resp.${first}"]`, 'tenant');
      await page.select(`select[name="result.${first}"]`, 'partial');
      await page.select(`select[name="resp.${second}"]`, 'shared');
      await page.select(`select[name="result.${second}"]`, 'nonconform');
      await click(page, 'form.matrix-edit button.primary');
      expect(await page.$eval(`tr[data-code="${first}"] .field-error`, (e) => e.textContent)).to.equal(zh ? '租户负责的测评单元没有平台测评结果' : 'A unit the tenant is responsible for has no platform result');
      expect(await page.$eval(`select[name="resp.${second}"]`, (s) => (s as HTMLSelectElement).value)).to.equal('shared');
      expect(await page.$eval(`select[name="result.${second}"]`, (s) => (s as HTMLSelectElement).value)).to.equal('nonconform');
      await check(page, lang, 'matrix-refused');
      await page.select(`select[name="result.${first}"]`, '');
      await click(page, 'form.matrix-edit button.primary');
      const saved = await ctx.db.knex('platform_responsibilities').where({ platform_id: id }).whereIn('code', [first!, second!]);
      expect(Object.fromEntries(saved.map((r: { code: string; responsibility: string; platform_result: string | null }) => [r.code, [r.responsibility, r.platform_result]]))).to.deep.equal({ [first!]: ['tenant', null], [second!]: ['shared', 'nonconform'] });
      await page.browserContext().close();
    });
  }

  it('an officer changes a member\'s role and back on the admin page; the last officer keeps the role, in words', async function () {
    this.timeout(90_000);
    const page = await signIn('officer', 'zh-CN');
    await page.goto(`${base}/admin`);
    const auditor = await ctx.db.knex('users').where({ username: 'auditor' }).first();
    const m = await ctx.db.knex('memberships').where({ organization_id: orgId, user_id: auditor.id }).first();
    const form = `form[action="/admin/organizations/${orgId}/members/${m.id}/role"]`;
    await page.select(`${form} select[name=role]`, 'consultant');
    await click(page, `${form} button`);
    expect((await ctx.db.knex('memberships').where({ id: m.id }).first()).role).to.equal('consultant');
    expect(await page.$eval(`${form} select[name=role]`, (s) => (s as HTMLSelectElement).value)).to.equal('consultant');
    await page.select(`${form} select[name=role]`, 'auditor');
    await click(page, `${form} button`);
    expect((await ctx.db.knex('memberships').where({ id: m.id }).first()).role).to.equal('auditor');
    // The organisation's only officer cannot step down: refused, said in Chinese.
    const me = await ctx.db.knex('users').where({ username: 'officer' }).first();
    const officers = await ctx.db.knex('memberships').where({ organization_id: orgId, role: 'officer', status: 'active' });
    if (officers.length === 1) {
      const own = `form[action="/admin/organizations/${orgId}/members/${officers[0].id}/role"]`;
      expect(officers[0].user_id).to.equal(me.id);
      await page.select(`${own} select[name=role]`, 'auditor');
      await click(page, `${own} button`);
      expect(await page.$eval('p.error', (e) => e.textContent)).to.contain('组织至少需要保留一名合规负责人');
      expect((await ctx.db.knex('memberships').where({ id: officers[0].id }).first()).role).to.equal('officer');
    }
    await check(page, 'zh-CN', 'admin-members');
    await page.browserContext().close();
  });

  it('a published platform: the officer reads it, the system administrator edits and may publish', async function () {
    this.timeout(90_000);
    const published = await ctx.db.knex('platforms').where({ published: true }).first();
    if (!published) throw new Error('the demo has a published platform');
    const officer = await signIn('officer', 'zh-CN');
    await officer.goto(`${base}/platforms/${published.id}`);
    expect(await officer.$$('form.platform-edit, form.matrix-edit')).to.have.length(0);
    await officer.browserContext().close();
    const admin = await signIn('admin', 'en');
    await admin.goto(`${base}/platforms`);
    expect(await admin.$('form.platform-new select[name=published]')).to.not.equal(null);
    await admin.goto(`${base}/platforms/${published.id}`);
    expect(await admin.$('form.platform-edit select[name=published]')).to.not.equal(null);
    expect(await admin.$('form.matrix-edit')).to.not.equal(null);
    await admin.browserContext().close();
  });
});
