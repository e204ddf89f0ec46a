import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { describeEachEngine } from '../utils/each-engine.js';
import { ARTIFACTS, startBrowserApp, type BrowserApp } from '../utils/browser-app.js';


/** The pages a user opens first, at phone width (390 px) in both languages, and the workspace in use. */
describeEachEngine('small screens and first impressions in a real browser', (ctx) => {
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;
  let assessment: string;
  let systemId: string;

  before(async function () {
    this.timeout(90_000);
    harness = await startBrowserApp(ctx.db);
    ({ base, browser } = harness);
    const a = await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first();
    assessment = a.id;
    systemId = a.system_id;
  });
  after(async () => {
    await harness?.close();
  });

  async function signIn(username: string, lang: 'zh-CN' | 'en', width: number): Promise<Page> {
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width, height: width < 500 ? 844 : 900 });
    await page.setExtraHTTPHeaders({ 'Accept-Language': lang === 'zh-CN' ? 'zh-CN,zh;q=0.9' : 'en' });
    await page.goto(`${base}/login`);
    await page.type('input[name=username]', username);
    await page.type('input[name=password]', 'Dengbao#2026');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return page;
  }

  const overflow = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`(${lang}) at 390 px: dashboard, system page and workspace have no horizontal scrolling, the menu opens, nothing is white on white`, async function () {
      this.timeout(120_000);
      const page = await signIn('consultant', lang, 390);
      for (const [name, url] of [
        ['dashboard', '/'],
        ['system', `/systems/${systemId}`],
        ['workspace', `/assessments/${assessment}?layer=CES`],
        ['workspace-grid', `/assessments/${assessment}?layer=CES&view=grid`],
      ] as const) {
        await page.goto(`${base}${url}`);
        const { scroll, client } = await overflow(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `small-${name}-${lang}-${ctx.engine}.png`), fullPage: true });
        expect(scroll, `${name}: page ${scroll} px wide in a ${client} px window`).to.be.at.most(client);
      }
      // The header's navigation folds behind the menu button, which opens it.
      await page.goto(`${base}/`);
      expect(await page.$eval('header.top nav', (n) => getComputedStyle(n).display)).to.equal('none');
      await page.click('.menu-toggle');
      expect(await page.$eval('header.top nav', (n) => getComputedStyle(n).display)).not.to.equal('none');
      expect(await page.$eval('.menu-toggle', (b) => b.getAttribute('aria-expanded'))).to.equal('true');
      await Promise.all([page.waitForNavigation(), page.click('header.top nav a[href="/systems"]')]);
      expect(page.url()).to.match(/\/systems$/);
      // No text the colour of its background: every visible link and button differs from what is behind it.
      await page.goto(`${base}/account`);
      // (A string: the test transpiler would name the inner function with a helper the page lacks.)
      const clashes = (await page.evaluate(`(() => {
        const bg = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
          }
          return 'rgb(255, 255, 255)';
        };
        return [...document.querySelectorAll('a, button, span, td, p, label, h1, h2, h3')]
          .filter((e) => e.offsetParent !== null && (e.textContent || '').trim())
          .filter((e) => getComputedStyle(e).color === bg(e))
          .map((e) => e.outerHTML.slice(0, 80));
      })()`)) as string[];
      expect(clashes).to.deep.equal([]);
      await page.browserContext().close();
    });
  }

  it('serves a favicon, sends administrators to their page, and links dashboard deadlines to their system with their type', async function () {
    this.timeout(90_000);
    const page = await signIn('admin', 'zh-CN', 1360);
    expect(new URL(page.url()).pathname).to.equal('/admin');
    const icon = await page.$eval('link[rel=icon]', (l) => (l as HTMLLinkElement).href);
    const res = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type') };
    }, icon);
    expect(res).to.deep.include({ status: 200 });
    expect(res.type).to.contain('image/svg+xml');
    await page.browserContext().close();

    const officer = await signIn('officer2', 'en', 1360); // the bank: a rectification notice and tests coming due
    expect(new URL(officer.url()).pathname).to.equal('/');
    const rows = await officer.$$eval('section.card:last-of-type tbody tr', (trs) => trs.map((tr) => ({ type: tr.children[2]?.textContent ?? '', system: tr.querySelector('a[href^="/systems/"]')?.getAttribute('href') ?? '' })));
    expect(rows.length).to.be.greaterThan(0);
    expect(rows.some((r) => /^\/systems\/[0-9a-f-]{36}$/.test(r.system))).to.equal(true);
    for (const r of rows) expect(r.type).to.match(/^[A-Z][a-z]/); // a word in English, not a code like test_due
    // The bank's timeline is in date order.
    const bank = rows.find((r) => r.system)!.system;
    await officer.goto(`${base}${bank}`);
    const dates = await officer.$$eval('ol.timeline li strong', (s) => s.map((e) => e.textContent ?? ''));
    expect(dates.length).to.be.greaterThan(5);
    expect(dates).to.deep.equal([...dates].sort());
    await officer.browserContext().close();
    // README's screenshot of the dashboard (docs/ui-dashboard.png is copied from it).
    const zh = await signIn('officer', 'zh-CN', 1360);
    await zh.screenshot({ path: path.join(ARTIFACTS, `readme-dashboard-${ctx.engine}.png`), fullPage: false });
    await zh.browserContext().close();
  });

  it('workspace in use: a value saves in place with live counts, a template fills the record, a grid cell saves on change', async function () {
    this.timeout(120_000);
    const page = await signIn('consultant', 'zh-CN', 1360);
    await page.goto(`${base}/assessments/${assessment}?layer=CES&filter=unassessed`);
    const row = (await page.$('article.result'))!;
    const resultId = await row.evaluate((a) => (a as HTMLElement).dataset.result);
    const before = await page.$eval('[data-layer-progress="CES"]', (e) => e.textContent ?? '');
    await row.$eval('select.tpl', (s) => {
      (s as HTMLSelectElement).value = 'inspection';
      s.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(await row.$eval('textarea', (t) => (t as HTMLTextAreaElement).value)).to.contain('核查');
    const url = page.url();
    await row.$eval('button.v-conform', (b) => (b as HTMLButtonElement).click());
    await page.waitForFunction((id) => document.querySelector(`article[data-result="${id}"]`)?.classList.contains('value-conform'), {}, resultId);
    expect(page.url()).to.equal(url); // saved in place: no reload, the scroll position stays
    const [done, total] = before.split('/').map(Number);
    await page.waitForFunction((want) => document.querySelector('[data-layer-progress="CES"]')?.textContent === want, {}, `${done! + 1}/${total}`);
    const saved = await ctx.db.knex('assessment_results').where({ id: resultId }).first();
    expect(saved.value).to.equal('conform');
    expect(saved.record).to.contain('核查');
    expect(JSON.parse(saved.methods)).to.deep.equal(['inspection']);
    // README's screenshot of the workspace (docs/ui-workspace.png is copied from it).
    await page.goto(`${base}/assessments/${assessment}?layer=CES&cp=1`);
    await page.screenshot({ path: path.join(ARTIFACTS, `readme-workspace-${ctx.engine}.png`), fullPage: false });

    await page.goto(`${base}/assessments/${assessment}?layer=CES&view=grid`);
    const cell = await page.$eval('select.cell.value-not_assessed', (s) => s.getAttribute('name'));
    const [, code, object] = cell!.split('.');
    await page.select(`select[name="${cell}"]`, 'partial');
    await page.waitForFunction((c, o) => document.querySelector(`select.cell.value-partial[name^="c.${c}.${o}."]`), {}, code, object);
    expect((await ctx.db.knex('assessment_results').where({ assessment_id: assessment, code, object_key: object }).first()).value).to.equal('partial');
    await page.screenshot({ path: path.join(ARTIFACTS, `workspace-grid-${ctx.engine}.png`), fullPage: false });
    await page.browserContext().close();
  });
});
