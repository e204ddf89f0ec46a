import { expect } from 'chai';
import type { Express } from 'express';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { findChromium } from '../../reports/pdf/chromium.js';
import { createTestApp } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ROOT } from '../utils/process.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const RAW_KEY = /\b(ui|report|errors|resources)\.[a-z_]+\b/;

describeEachEngine('web UI in a real browser', (ctx) => {
  let app: Express;
  let server: Server;
  let base: string;
  let browser: Browser;

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const executablePath = findChromium();
    if (!executablePath) throw new Error('Chromium is required for the UI tests (apt-get install -y chromium)');
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await (app.locals.deps as { printer: { close(): Promise<void> } }).printer.close();
  });

  async function signIn(username: string): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1360, height: 900 });
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9' });
    await page.goto(`${base}/`);
    expect(page.url()).to.contain('/login');
    await page.type('input[name=username]', username);
    await page.type('input[name=password]', 'Dengbao#2026');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return page;
  }

  it('signs in, shows the dashboard with the organisation’s systems and charts, and switches language', async function () {
    this.timeout(60_000);
    const page = await signIn('officer');
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).to.contain('工作台');
    expect(text).to.contain('城市大脑运营管理平台');
    expect(text).not.to.contain('金融云核心渠道系统');
    expect(await page.$$eval('main svg', (s) => s.length)).to.be.greaterThan(1);
    await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-zh-${ctx.engine}.png`), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('a.lang')]);
    const en = await page.$eval('main', (m) => m.textContent ?? '');
    expect(en).to.contain('Dashboard');
    expect(en).to.contain('Deadlines');
    await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-en-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
  });

  it('browses the catalogue: search by phrase, open a unit with its steps, products and high-risk cases', async function () {
    this.timeout(60_000);
    const page = await signIn('consultant');
    await page.goto(`${base}/catalogue`);
    await page.type('input[name=q]', '登录失败处理');
    await Promise.all([page.waitForNavigation(), page.click('.filters button')]);
    const codes = await page.$$eval('tbody td:first-child a', (as) => as.map((a) => a.textContent));
    expect(codes).to.include('L3-CES1-02');
    await Promise.all([page.waitForNavigation(), page.click('a[href="/catalogue/L3-CES1-01"], a[href="/catalogue/L3-CES1-02"]')]);
    const detail = await page.$eval('main', (m) => m.textContent ?? '');
    expect(detail).to.contain('测评实施');
    await page.goto(`${base}/catalogue/L3-CES1-01`);
    const unit = await page.$eval('main', (m) => m.textContent ?? '');
    expect(unit).to.contain('6.4.1.1');
    expect(unit).to.contain('堡垒机');
    await page.screenshot({ path: path.join(ARTIFACTS, `catalogue-unit-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
  });

  it('has no untranslated key on any page in either language', async function () {
    this.timeout(120_000);
    const page = await signIn('officer');
    await page.goto(`${base}/systems`);
    const systemHref = await page.$eval('tbody a', (a) => a.getAttribute('href'));
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${base}/lang?to=${lang}&back=/`);
      for (const p of ['/', '/systems', systemHref!, '/catalogue', '/catalogue?level=4&set=cloud', '/catalogue/L3-PES1-01', '/systems/00000000-0000-0000-0000-000000000000']) {
        await page.goto(`${base}${p}`);
        const body = await page.$eval('body', (b) => b.innerText);
        expect(body, `${lang} ${p}`).not.to.match(RAW_KEY);
      }
    }
    await page.goto(`${base}${systemHref}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `system-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
  });

  it('shows auditors no edit controls, refuses a forged write with 403, and rejects forms without the CSRF token', async function () {
    this.timeout(60_000);
    const page = await signIn('auditor');
    for (const p of ['/', '/systems', '/catalogue']) {
      await page.goto(`${base}${p}`);
      const forms = await page.$$eval('form[method=post]', (fs) => fs.map((f) => f.getAttribute('action')));
      expect(forms, p).to.deep.equal(['/logout']);
    }
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/v1/systems', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organizationId: '00000000-0000-0000-0000-000000000000', name: 'forged', deployment: 'cloud' }) });
      return res.status;
    });
    expect([403, 404]).to.include(status);
    const orgId = (await ctx.db.knex('organizations').where('name_en', 'like', 'Example City Brain%').first()).id;
    const forged = await page.evaluate(async (org) => {
      const res = await fetch('/api/v1/systems', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organizationId: org, name: 'forged', deployment: 'cloud' }) });
      return res.status;
    }, orgId);
    expect(forged).to.equal(403);
    const csrf = await page.evaluate(async () => (await fetch('/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status);
    expect(csrf).to.equal(403);
    await page.browserContext().close();
  });
});
