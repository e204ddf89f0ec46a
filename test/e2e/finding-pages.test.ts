import { expect } from 'chai';
import type { Express } from 'express';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { level3Assessment } from '../utils/assessments.js';
import { demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ARTIFACTS, startBrowserApp, type BrowserApp } from '../utils/browser-app.js';
import { pageText, signInPage } from '../utils/browser-pages.js';
import { png } from '../utils/files.js';


/** Raising findings from results in one form, and a finding's own page, in Chromium. */
describeEachEngine('finding pages in a real browser', (ctx) => {
  let app: Express;
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;
  let officer: Agent, consultant: Agent;
  let a: { id: string };
  let objects: Array<{ id: string; name: string }>;

  before(async function () {
    this.timeout(60_000);
    harness = await startBrowserApp(ctx.db);
    ({ app, base, browser } = harness);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    const made = await level3Assessment(officer, consultant, (await demoOrganizations(ctx.db)).citybrain);
    a = made.assessment;
    objects = made.objects;
    // Weak passwords on both servers (a key unit with a high-risk case), a partly met policy unit.
    for (const o of objects.slice(0, 2)) {
      await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: o.id, value: 'nonconform', record: `${o.name} 存在弱口令 admin/admin`, rowVersion: 1 }).expect(200);
    }
    await consultant.put(`/api/v1/assessments/${a.id}/results/L3-PSS1-02`).send({ value: 'partial', record: '部分制度未发布', rowVersion: 1 }).expect(200);
  });
  after(async () => {
    await harness?.close();
  });

  // With script: the finding pages' own behaviour (the draft form's pre-filled fields) is part of what is tested.
  const browserAs = (username: string, lang: 'zh-CN' | 'en') => signInPage(browser, base, username, lang, { javaScript: true, width: 1360 });
  const text = pageText;

  it('raises findings from results in one form, pre-filled and editable; a refused form keeps what was typed', async function () {
    this.timeout(120_000);
    const page = await browserAs('consultant', 'zh-CN');
    await page.goto(`${base}/assessments/${a.id}/findings`);
    await Promise.all([page.waitForNavigation(), page.click('#from-results')]);
    const weak = 'fieldset.finding-draft[data-code="L3-CES1-01"]';
    const draft = await text(page, weak);
    // Pre-filled: both servers, the unit, the suggested high-risk case with its title, advice from the case.
    expect(draft).to.contain('APP-SRV-01').and.to.contain('DB-SRV-01').and.to.contain('L3-CES1-01').and.to.contain('6.4.1.1');
    expect(await page.$eval(`${weak} select[name^=risk_]`, (s) => (s as HTMLSelectElement).value)).to.equal('high');
    expect(await page.$eval(`${weak} textarea[name^=recommendation_]`, (t) => (t as HTMLTextAreaElement).value)).to.not.equal('');
    expect(await text(page, 'fieldset.finding-draft[data-code="L3-PSS1-02"]')).to.contain('整个系统');
    // Edit: own title, one server only, risk analysis typed; but the policy draft's title is emptied.
    const title = await page.$eval(`${weak} input[name^=title_]`, (i) => (i as HTMLInputElement).name);
    await page.$eval(`${weak} input[name^=title_]`, (i) => ((i as HTMLInputElement).value = ''));
    await page.type(`${weak} input[name^=title_]`, '服务器存在弱口令');
    await page.click(`${weak} input[name^=objects_][value="${objects[1]!.id}"]`);
    await page.type(`${weak} textarea[name^=harm_]`, '攻击者可直接登录服务器，获取业务数据');
    await page.$eval('fieldset.finding-draft[data-code="L3-PSS1-02"] input[name^=title_]', (i) => ((i as HTMLInputElement).value = ''));
    await Promise.all([page.waitForNavigation(), page.click('form.finding-drafts button.primary')]);
    expect(await text(page)).to.contain('请填写问题标题');
    expect(await ctx.db.knex('findings').where({ assessment_id: a.id }).count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 0);
    // Everything typed came back.
    expect(await page.$eval(`${weak} input[name="${title}"]`, (i) => (i as HTMLInputElement).value)).to.equal('服务器存在弱口令');
    expect(await page.$eval(`${weak} textarea[name^=harm_]`, (t) => (t as HTMLTextAreaElement).value)).to.equal('攻击者可直接登录服务器，获取业务数据');
    expect(await page.$eval(`${weak} input[name^=objects_][value="${objects[1]!.id}"]`, (c) => (c as HTMLInputElement).checked)).to.equal(false);
    await page.screenshot({ path: path.join(ARTIFACTS, `finding-drafts-${ctx.engine}.png`), fullPage: true });
    await page.type('fieldset.finding-draft[data-code="L3-PSS1-02"] input[name^=title_]', '安全管理制度未全部发布');
    await Promise.all([page.waitForNavigation(), page.click('form.finding-drafts button.primary')]);
    expect(page.url()).to.match(/\/findings$/);
    const rows = await ctx.db.knex('findings').where({ assessment_id: a.id }).orderBy('number');
    expect(rows.map((r: { number: string; title: string }) => `${r.number} ${r.title}`)).to.deep.equal(['T001 服务器存在弱口令', 'T002 安全管理制度未全部发布']);
    expect(JSON.parse(rows[0].objects)).to.deep.equal([objects[0]!.id]);
    expect(rows[0]).to.include({ harm: '攻击者可直接登录服务器，获取业务数据', risk: 'high', high_risk_case_id: '6.4.1.1' });
    await page.browserContext().close();
  });

  it('shows a finding’s page: description, objects and linked results, risk before and after, case, hazards, remediation history, evidence', async function () {
    this.timeout(120_000);
    const f = await ctx.db.knex('findings').where({ assessment_id: a.id, number: 'T001' }).first();
    await consultant.patch(`/api/v1/findings/${f.id}`).send({ rowVersion: f.row_version, highRisk: { action: 'confirm' } }).expect(200);
    await consultant.patch(`/api/v1/findings/${f.id}`).send({ rowVersion: f.row_version + 1, mitigation: { measure: '已部署堡垒机统一认证', riskAfter: 'medium', reason: '登录须经堡垒机双因素认证' } }).expect(200);
    const hazard = (await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-27', findingIds: [f.id] }).expect(201)).body as { number: string };
    const ev = (await consultant.post('/api/v1/evidence').field('title', '堡垒机登录配置').field('kind', 'configuration').attach('file', png(402), 'bastion.png').expect(201)).body;
    await consultant.post(`/api/v1/evidence/${ev.id}/links`).send({ targetType: 'remediation_verification', targetId: f.id }).expect(201);
    const page = await browserAs('consultant', 'zh-CN');
    await page.goto(`${base}/assessments/${a.id}/findings`);
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/findings/${f.id}"]`)]);
    // Remediation through the board's form, so the history is the one the UI wrote.
    const remSel = `form[action="/findings/${f.id}/remediation"]`;
    await page.goto(`${base}/assessments/${a.id}/findings`);
    await page.select(`${remSel} select[name=status]`, 'in_progress');
    await page.type(`${remSel} input[name=owner]`, '运维部 张工');
    await Promise.all([page.waitForNavigation(), page.click(`${remSel} button`)]);
    await page.goto(`${base}/findings/${f.id}`);
    const zh = await text(page);
    expect(zh).to.contain('T001').and.to.contain('服务器存在弱口令');
    expect(await text(page, '#results')).to.contain('APP-SRV-01').and.to.contain('不符合').and.to.contain('存在弱口令 admin/admin');
    expect(await page.$eval('#results a', (l) => l.getAttribute('href'))).to.contain(`/assessments/${a.id}?layer=`);
    expect(await text(page, '#risk')).to.contain('修正前风险').and.to.contain('高').and.to.contain('已部署堡垒机统一认证');
    expect(await text(page, '#high-risk')).to.contain('6.4.1.1').and.to.contain('已确认');
    expect(await text(page, '#high-risk')).to.contain(hazard.number).and.to.contain('A-27');
    expect(await text(page, '#remediation')).to.contain('整改中').and.to.contain('运维部 张工').and.to.contain('consultant').and.to.contain('提出问题').and.to.contain('记录补偿措施');
    expect(await text(page, '#evidence')).to.contain('堡垒机登录配置').and.to.contain('配置文件').and.to.contain('整改验证');
    expect(await page.$eval('#evidence a', (l) => l.getAttribute('href'))).to.equal(`/evidence/${ev.id}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `finding-zh-${ctx.engine}.png`), fullPage: true });
    await page.browserContext().close();
    const en = await browserAs('auditor', 'en');
    await en.goto(`${base}/findings/${f.id}`);
    const enText = await text(en);
    expect(enText).to.contain('Risk before compensating measures').and.to.contain('Remediation history').and.to.contain('confirmed');
    expect(enText).not.to.match(/\b(finding|ui|report|hazard)\.[a-z_]+/);
    await en.screenshot({ path: path.join(ARTIFACTS, `finding-en-${ctx.engine}.png`), fullPage: true });
    await en.browserContext().close();
  });
});
