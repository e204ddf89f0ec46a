import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { describeEachEngine } from '../utils/each-engine.js';
import { ARTIFACTS, startBrowserApp, type BrowserApp } from '../utils/browser-app.js';

const RAW_KEY = /\b(ui|report|errors|resources)\.[a-z_]+\b/;

describeEachEngine('web UI in a real browser', (ctx) => {
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

  async function signIn(username: string, password = 'Dengbao#2026'): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1360, height: 900 });
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9' });
    await page.goto(`${base}/`);
    expect(page.url()).to.contain('/login');
    await page.type('input[name=username]', username);
    await page.type('input[name=password]', password);
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

  it('as officer: creates a system, grades it with the live S?A?G? result, reviews, approves and files it', async function () {
    this.timeout(120_000);
    const page = await signIn('officer');
    await page.goto(`${base}/systems`);
    await Promise.all([page.waitForNavigation(), page.click('a[href="/systems/new"]')]);
    await page.type('input[name=name]', `UI 系统 ${Date.now()}`);
    await page.type('textarea[name=description]', '浏览器测试创建的定级对象');
    await Promise.all([page.waitForNavigation(), page.click('form button.primary')]);
    expect(page.url()).to.match(/\/systems\/[0-9a-f-]{36}/);
    await page.select('select[name=s_social]', 'serious');
    await page.select('select[name=a_citizens]', 'serious');
    expect(await page.$eval('.grading-result', (e) => e.textContent)).to.equal('S3A2G3');
    await page.type('textarea[name=rationale]', '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。');
    await Promise.all([page.waitForNavigation(), page.click('form.grading button.primary')]);
    expect(await page.$eval('h1', (h) => h.textContent)).to.contain('S3A2G3');
    await page.type('textarea[name=experts]', '张教授\n李高工');
    await page.type('textarea[name=opinion]', '同意定为第三级');
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    await page.type('input[name=authority]', '示例市数据资源管理局');
    await page.type('input[name=reference]', '示数资〔2026〕1号');
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    await page.type('input[name=filingOrgan]', '示例市公安局网安支队');
    await page.$eval('input[name=submittedOn]', (e) => ((e as HTMLInputElement).value = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)));
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    await page.type('input[name=certificateNumber]', '33010043001-26099');
    // No attachment is provided yet: certifying asks for the confirmation (issue 14).
    await page.click('input[name=confirmMissing]');
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).to.contain('已备案');
    expect(text).to.contain('33010043001-26099');
    await page.screenshot({ path: path.join(ARTIFACTS, `system-filed-${ctx.engine}.png`), fullPage: true });
    const systemId = page.url().split('/systems/')[1]!.split(/[?#]/)[0]!;
    // Filing attachments: mark one missing, link evidence to another.
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/filing-attachments"] button[value=missing]')]);
    const evidenceOption = await page.$eval('form[action$="/filing-attachments"] select[name=evidenceId] option:nth-child(2)', (o) => (o as HTMLOptionElement).value);
    const forms = await page.$$('form[action$="/filing-attachments"]');
    await forms[1]!.$eval('select[name=evidenceId]', (s, v) => ((s as HTMLSelectElement).value = v as string), evidenceOption);
    await Promise.all([page.waitForNavigation(), forms[1]!.$eval('button[value=link]', (b) => (b as HTMLButtonElement).click())]);
    const filing = await ctx.db.knex('filings').where({ system_id: systemId }).first();
    expect(JSON.parse(filing.missing_attachments)).to.include('network_topology');
    expect(await ctx.db.knex('evidence_links').where({ target_type: 'filing_attachment', target_id: `${systemId}:security_organisation` }).first()).to.not.equal(undefined);
    // A supervision inspection without its organ is refused next to the field; with it, recorded.
    await page.type('form[action$="/inspections"] input[name=result]', '发现日志留存不足');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/inspections"] button')]);
    expect(await page.$eval('.field-error', (e) => e.textContent)).to.be.a('string');
    await page.type('form[action$="/inspections"] input[name=organ]', '示例市公安局网安支队');
    await page.type('form[action$="/inspections"] input[name=result]', '发现日志留存不足');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/inspections"] button')]);
    expect(await ctx.db.knex('inspections').where({ system_id: systemId }).first()).to.include({ organ: '示例市公安局网安支队' });
    await page.select('form[action$="/deployed-products"] select[name=productId]', 'alibaba-cloud-waf');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/deployed-products"] button')]);
    expect(await ctx.db.knex('deployed_products').where({ system_id: systemId }).first()).to.include({ product_id: 'alibaba-cloud-waf' });

    // Findings board: confirm the suggested high-risk case, then move the remediation on.
    const assessment = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id as string;
    await page.goto(`${base}/assessments/${assessment}/findings`);
    await page.type('#workflow input[name=title]', '管理员账户使用默认口令');
    await page.type('#workflow input[name=units]', 'L3-CES1-06');
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    const finding = await ctx.db.knex('findings').where({ assessment_id: assessment, title: '管理员账户使用默认口令' }).first();
    expect(finding.high_risk_status).to.equal('suggested');
    const rowSel = `form[action="/findings/${finding.id}/high-risk"]`;
    await Promise.all([page.waitForNavigation(), page.click(`${rowSel} button[value=confirm]`)]);
    expect((await ctx.db.knex('findings').where({ id: finding.id }).first()).high_risk_status).to.equal('confirmed');
    const remSel = `form[action="/findings/${finding.id}/remediation"]`;
    await page.select(`${remSel} select[name=status]`, 'in_progress');
    await page.type(`${remSel} input[name=owner]`, '运维部 张工');
    await Promise.all([page.waitForNavigation(), page.click(`${remSel} button`)]);
    expect(await ctx.db.knex('remediations').where({ finding_id: finding.id }).first()).to.include({ status: 'in_progress', owner: '运维部 张工' });
    await page.screenshot({ path: path.join(ARTIFACTS, `findings-${ctx.engine}.png`), fullPage: true });
    // The server validates the form and shows the error next to the field.
    await page.goto(`${base}/systems/new`);
    await page.type('input[name=name]', '   ');
    await Promise.all([page.waitForNavigation(), page.click('form button.primary')]);
    expect(await page.$eval('.field-error', (e) => e.textContent)).to.contain('名称');
    await page.browserContext().close();
  });

  it('三权分立 in the admin page: the system admin creates, the security admin proposes, an officer accepts; others cannot open it', async function () {
    this.timeout(90_000);
    const page = await signIn('admin');
    await page.goto(`${base}/admin`);
    await page.type('form[action="/admin/users"] input[name=username]', 'newofficer');
    await page.type('form[action="/admin/users"] input[name=displayName]', '新合规负责人');
    await page.type('form[action="/admin/users"] input[name=password]', 'weak');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/users"] button')]);
    expect(await page.$$eval('.field-error', (e) => e.length)).to.be.greaterThan(0);
    await page.type('form[action="/admin/users"] input[name=username]', 'newofficer');
    await page.type('form[action="/admin/users"] input[name=displayName]', '新合规负责人');
    await page.type('form[action="/admin/users"] input[name=password]', 'Str0ng-Passw0rd!');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/users"] button')]);
    await page.type('form[action="/admin/organizations"] input[name=name]', `UI 测试单位 ${ctx.engine}`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/organizations"] button')]);
    const org = await ctx.db.knex('organizations').where({ name: `UI 测试单位 ${ctx.engine}` }).first();
    const form = `form[action="/admin/organizations/${org.id}/members"]`;
    // The system administrator has no membership form; the security administrator has.
    expect(await page.$(form)).to.equal(null);
    await page.screenshot({ path: path.join(ARTIFACTS, `admin-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
    const sec = await signIn('secadmin');
    await sec.goto(`${base}/admin`);
    await sec.type(`${form} input[name=username]`, 'newofficer');
    await sec.select(`${form} select[name=role]`, 'officer');
    await Promise.all([sec.waitForNavigation(), sec.click(`${form} button`)]);
    const user = await ctx.db.knex('users').where({ username: 'newofficer' }).first();
    // The first officer of a new organisation is active at once; later proposals wait for that officer.
    expect(await ctx.db.knex('memberships').where({ organization_id: org.id, user_id: user.id }).first()).to.include({ role: 'officer', status: 'active' });
    await sec.type(`${form} input[name=username]`, 'officer2');
    await sec.select(`${form} select[name=role]`, 'auditor');
    await Promise.all([sec.waitForNavigation(), sec.click(`${form} button`)]);
    expect(await sec.$eval(`li[data-member="officer2"]`, (e) => e.textContent ?? '')).to.contain('待合规负责人确认');
    await sec.browserContext().close();
    // An account the administrator set up must choose its own password first: the sign-in lands on /account.
    const newOfficer = await signIn('newofficer', 'Str0ng-Passw0rd!');
    expect(newOfficer.url()).to.contain('/account');
    await newOfficer.type('form[action="/account/password"] input[name=currentPassword]', 'Str0ng-Passw0rd!');
    await newOfficer.type('form[action="/account/password"] input[name=newPassword]', 'Own#Officer-Pass26');
    await Promise.all([newOfficer.waitForNavigation(), newOfficer.click('form[action="/account/password"] button')]);
    await newOfficer.goto(`${base}/admin`);
    await Promise.all([newOfficer.waitForNavigation(), newOfficer.click(`li[data-member="officer2"] form[action$="/accept"] button`)]);
    expect(await newOfficer.$eval(`li[data-member="officer2"]`, (e) => e.textContent ?? '')).not.to.contain('待合规负责人确认');
    await newOfficer.browserContext().close();
    // A member of two organisations switches between them in the header.
    const two = await signIn('officer2');
    expect(await two.$$eval('.org-switch option', (o) => o.length)).to.equal(3); // all + 2
    await two.goto(`${base}/systems`);
    expect(await two.$eval('main', (m) => m.textContent ?? '')).to.contain('金融云核心渠道系统');
    await Promise.all([two.waitForNavigation(), two.select('.org-switch select', org.id)]);
    await two.goto(`${base}/systems`);
    expect(await two.$eval('main', (m) => m.textContent ?? '')).not.to.contain('金融云核心渠道系统');
    await two.browserContext().close();
    const consultant = await signIn('consultant');
    const res = await consultant.goto(`${base}/admin`);
    expect(res!.status()).to.equal(403);
    await consultant.browserContext().close();
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
    await page.goto(`${base}/platforms`);
    const platformHref = await page.$eval('main h2 a', (a) => a.getAttribute('href'));
    await page.goto(`${base}/evidence`);
    const evidenceHref = await page.$eval('tbody td a', (a) => a.getAttribute('href'));
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${base}/lang?to=${lang}&back=/`);
      const assessment = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id as string;
      for (const p of ['/', '/systems', systemHref!, '/catalogue', '/catalogue?level=4&set=cloud', '/catalogue/L3-PES1-01', '/systems/00000000-0000-0000-0000-000000000000', `/assessments/${assessment}`, `/assessments/${assessment}/findings`, `/assessments/${assessment}/reports`, '/evidence', '/evidence?expired=true', '/platforms', '/systems?status=testing&level=3', platformHref!, evidenceHref!, '/account', '/audit', '/admin']) {
        await page.goto(`${base}${p}`);
        const body = await page.$eval('body', (b) => b.innerText);
        expect(body, `${lang} ${p}`).not.to.match(RAW_KEY);
      }
    }
    await page.goto(`${base}${systemHref}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `system-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
  });

  it('records results with the keyboard in the workspace, and generates and downloads the PDF report', async function () {
    this.timeout(120_000);
    const page = await signIn('consultant');
    const assessment = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id as string;
    await page.goto(`${base}/assessments/${assessment}?layer=CES&filter=unassessed`);
    const rows = await page.$$('article.result');
    expect(rows.length).to.be.greaterThan(2);
    const codes = await page.$$eval('article.result', (as) => as.slice(0, 2).map((a) => [(a as HTMLElement).dataset.code, (a as HTMLElement).dataset.object]));
    await page.screenshot({ path: path.join(ARTIFACTS, `workspace-${ctx.engine}.png`), fullPage: false });
    const progressBefore = await page.$eval('[data-live="progress"]', (e) => e.textContent);
    await rows[0]!.focus();
    await page.keyboard.press('1'); // 符合, then focus moves on
    await page.waitForFunction(() => document.activeElement?.matches('article.result') && document.querySelectorAll('article.value-conform').length > 0);
    await page.keyboard.press('3'); // 不符合 on the next one
    await page.waitForFunction(() => document.querySelectorAll('article.value-nonconform').length > 0);
    // The summary panel follows: two more results assessed.
    const [done, total] = progressBefore!.split('/').map(Number);
    await page.waitForFunction((want) => document.querySelector('[data-live="progress"]')?.textContent === want, {}, `${done! + 2}/${total}`);
    const stored = await ctx.db.knex('assessment_results').where({ assessment_id: assessment }).whereIn('code', codes.map((c) => c[0]!));
    const valueOf = (code: string, obj: string) => stored.find((r: { code: string; object_key: string }) => r.code === code && r.object_key === obj)?.value;
    expect(valueOf(codes[0]![0]!, codes[0]![1]!)).to.equal('conform');
    expect(valueOf(codes[1]![0]!, codes[1]![1]!)).to.equal('nonconform');
    // Someone else changes the first row: the next keyboard write shows the conflict message.
    await ctx.db.knex('assessment_results').where({ assessment_id: assessment, code: codes[0]![0], object_key: codes[0]![1] }).increment('row_version', 1);
    await rows[0]!.focus();
    await page.keyboard.press('2');
    await page.waitForSelector('.notice');
    expect(await page.$eval('.notice', (n) => n.textContent)).to.contain('已被他人修改');

    // Attach evidence to a result (the form behind drag and drop).
    const { writeFileSync } = await import('node:fs');
    const { png } = await import('../utils/files.js');
    const file = path.join(ARTIFACTS, `evidence-${ctx.engine}.png`);
    writeFileSync(file, png(901));
    await page.goto(`${base}/assessments/${assessment}?layer=CES`);
    const input = (await page.$('form.attach input[type=file]'))!;
    const resultId = await page.$eval('article.result', (a) => (a as HTMLElement).dataset.result);
    await input.uploadFile(file);
    // Uploaded in place: the evidence shows on the row at once (no reload).
    await page.click('form.attach button');
    await page.waitForSelector(`article[data-result="${resultId}"] .evidence-list li`);
    const link = await ctx.db.knex('evidence_links').where({ target_type: 'assessment_result', target_id: resultId }).first();
    expect(link, 'evidence linked to the result').to.not.equal(undefined);

    // The evidence library: upload through the form, then find it with its hash.
    await page.goto(`${base}/evidence`);
    await page.type('form[enctype] input[name=title]', '浏览器上传的配置截图');
    await (await page.$('form[enctype] input[type=file]'))!.uploadFile(file);
    await Promise.all([page.waitForNavigation(), page.click('form[enctype] button.primary')]);
    await page.goto(`${base}/evidence?q=${encodeURIComponent('浏览器上传')}`);
    const { createHash } = await import('node:crypto');
    expect(await page.$eval('main', (m) => m.textContent ?? '')).to.contain(createHash('sha256').update(png(901)).digest('hex'));
    await page.screenshot({ path: path.join(ARTIFACTS, `evidence-library-${ctx.engine}.png`), fullPage: true });

    // Raise a finding on the board: an unknown unit is refused next to the field, a good one is numbered.
    await page.goto(`${base}/assessments/${assessment}/findings`);
    await page.type('input[name=title]', '浏览器测试发现的问题');
    await page.type('input[name=units]', 'L3-XXX1-99');
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    expect(await page.$eval('.field-error', (e) => e.textContent)).to.contain('L3-XXX1-99');
    await page.type('input[name=title]', '浏览器测试发现的问题');
    await page.type('input[name=units]', 'L3-CES1-03');
    await Promise.all([page.waitForNavigation(), page.click('#workflow button.primary')]);
    expect(await page.$eval('main', (m) => m.textContent ?? '')).to.contain('浏览器测试发现的问题');

    // Excel round-trip in the browser: export, change one cell, preview the diff, apply.
    const ExcelJS = (await import('exceljs')).default;
    const xlsx = Buffer.from(await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), `/api/v1/assessments/${assessment}/workbook.xlsx`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as never);
    let target: { code: string; object: string } | undefined;
    wb.eachSheet((ws) => {
      if (target || ws.state !== 'visible') return;
      ws.eachRow((row) => {
        if (!target && /^L3-/.test(String(row.getCell(6).value ?? '')) && row.getCell(5).value === '符合') {
          row.getCell(5).value = '部分符合';
          row.getCell(4).value = '浏览器导入的记录';
          target = { code: String(row.getCell(6).value), object: String(row.getCell(7).value) };
        }
      });
    });
    const edited = path.join(ARTIFACTS, `edited-${ctx.engine}.xlsx`);
    writeFileSync(edited, Buffer.from(await wb.xlsx.writeBuffer()));
    await page.goto(`${base}/assessments/${assessment}/reports`);
    await (await page.$('form[enctype] input[type=file]'))!.uploadFile(edited);
    await Promise.all([page.waitForNavigation(), page.click('form[enctype] button')]);
    expect(await page.$eval('.count-changed', (e) => e.textContent)).to.equal('1');
    await Promise.all([page.waitForNavigation(), page.click('form button.primary')]);
    // The apply ran as a job; its page (reloading itself without JavaScript while the job runs) shows what was applied.
    for (const until = Date.now() + 90_000; !(await page.$('.import-applied')) && Date.now() < until; ) {
      await page.waitForNavigation({ timeout: 10_000 }).catch(() => undefined);
    }
    expect(await page.$eval('.import-applied', (e) => e.textContent)).to.contain('1');
    const applied = await ctx.db.knex('assessment_results').where({ assessment_id: assessment, code: target!.code, object_key: target!.object }).first();
    expect(applied).to.include({ value: 'partial', record: '浏览器导入的记录' });

    await page.goto(`${base}/assessments/${assessment}/reports`);
    await page.select('select[name=type]', 'executive_summary');
    await Promise.all([page.waitForNavigation(), page.click('form button.primary')]);
    // The archive also holds the workbook exported above (and its import): wait for the summary's row.
    await page.waitForSelector('tr[data-type="executive_summary"][data-status="done"] a', { timeout: 60_000 });
    const href = await page.$eval('tr[data-type="executive_summary"][data-status="done"] a', (a) => a.getAttribute('href'));
    const pdf = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      return { type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
    }, href);
    expect(pdf.type).to.equal('application/pdf');
    expect(pdf.size).to.be.greaterThan(10_000);
    await page.screenshot({ path: path.join(ARTIFACTS, `reports-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
  });

  it('shows auditors no edit controls, refuses a forged write with 403, and rejects forms without the CSRF token', async function () {
    this.timeout(60_000);
    const page = await signIn('auditor');
    const assessment = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id as string;
    for (const p of ['/', '/systems', '/catalogue', `/assessments/${assessment}`, `/assessments/${assessment}/findings`, '/evidence', '/platforms']) {
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
    // The auditor sees the archived reports with their downloads.
    await page.goto(`${base}/assessments/${assessment}/reports`);
    expect(await page.$$eval('tbody tr', (r) => r.length)).to.be.greaterThan(0);
    const csrf = await page.evaluate(async () => (await fetch('/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status);
    expect(csrf).to.equal(403);
    await page.browserContext().close();
  });
});
