import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ORG_ROLES } from '../../server/context.js';
import { ARTIFACTS, startBrowserApp, type BrowserApp } from '../utils/browser-app.js';
import { clickThrough, signInPage } from '../utils/browser-pages.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { rawEnumValues } from '../utils/raw-enums.js';

/** A locale key shown as such (a translation missing). */
const ROLES = new Set<string>(ORG_ROLES);
const RAW_KEY = /\b(ui|errors|flow|field_errors|enum|filing2025|sysforms)\.[a-z0-9]+_[a-z0-9_]+\b/;

/**
 * Issue 14 §1, the API capabilities that had no form: the filing form's fields (备案表) and its return
 * with a reason, an inspection's rectified date, the system's details (deployment, platform,
 * contacts) and archive, the data survey's categories and the protection plan's content. An officer
 * fills each in a real browser in both languages (a bad value first: the error in words beside the
 * field, what was typed kept), sees the stored result on the page; no raw enum value, no horizontal
 * scrolling at 390 px. An auditor sees no form, and a form posted by an auditor is refused.
 */
describeEachEngine('system, filing, inspection, survey and plan forms in the browser', (ctx) => {
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;
  const systems: Record<string, string> = {};

  before(async function () {
    this.timeout(90_000);
    harness = await startBrowserApp(ctx.db);
    ({ base, browser } = harness);
  });
  after(async () => {
    await harness?.close();
  });

  const signIn = (username: string, lang: 'zh-CN' | 'en', width = 1360) => signInPage(browser, base, username, lang, { javaScript: true, width, via: 'switch' });
  const click = clickThrough;
  const value = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLInputElement).value);
  const setValue = (page: Page, selector: string, v: string) => page.$eval(selector, (e, x) => ((e as HTMLInputElement).value = x as string), v);
  const fieldError = (page: Page, field: string) => page.$eval(`.field-error[data-field="${field}"]`, (e) => e.textContent ?? '');

  /** What the user sees: no raw enum value, no locale key, no English rule prose in Chinese; a screenshot. */
  async function check(page: Page, lang: 'zh-CN' | 'en', step: string): Promise<string> {
    const text = await page.$eval('body', (b) => (b as HTMLElement).innerText);
    expect(text, `${lang} ${step}: untranslated key`).not.to.match(RAW_KEY);
    // (Role names are left out: the demo users' display names carry them, e.g. "Wang (officer)".)
    expect(rawEnumValues(text, lang).filter((v) => !ROLES.has(v)), `${lang} ${step}: raw enum values`).to.deep.equal([]);
    if (lang === 'zh-CN') expect(text, `${lang} ${step}: English prose`).not.to.match(/must be|required|not allowed|expected|received|undefined/i);
    await page.screenshot({ path: path.join(ARTIFACTS, `forms-${ctx.engine}-${lang}-${step}.png`), fullPage: true });
    return text;
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`(${lang}) an officer fills the filing form, returns the filing, edits the system, the survey, the plan and an inspection, then archives`, async function () {
      this.timeout(600_000);
      const zh = lang === 'zh-CN';
      const page = await signIn('officer', lang);

      // A new level-3 system, graded, reviewed, approved and its filing submitted (the forms of the walk).
      await page.goto(`${base}/systems/new`);
      await page.type('input[name=name]', `${zh ? '表单系统' : 'Forms system'} ${ctx.engine}`);
      await click(page, 'form button.primary');
      const systemUrl = page.url();
      const systemId = systemUrl.split('/').pop()!;
      systems[lang] = systemId;
      await page.select('select[name=s_social]', 'serious');
      await page.select('select[name=a_social]', 'serious');
      await page.type('textarea[name=rationale]', zh ? '业务信息和系统服务遭到破坏后会对社会秩序造成严重损害。' : 'Damage seriously harms social order and public interest.');
      await click(page, 'form.grading button.primary');
      await page.type('textarea[name=experts]', zh ? '张教授' : 'Prof. Zhang');
      await page.type('textarea[name=opinion]', zh ? '同意' : 'Agreed');
      await click(page, '#workflow button.primary');
      await page.type('input[name=authority]', zh ? '主管部门' : 'Authority');
      await page.type('input[name=reference]', 'R-1');
      await click(page, '#workflow button.primary');
      await page.type('input[name=filingOrgan]', zh ? '示例市公安局网安支队' : 'Example City PSB');
      await click(page, '#workflow button.primary');

      // ---- 1. the filing form's fields: a bad credit code and a bad email keep what was typed ----
      await click(page, 'a.filing-form-link');
      await setValue(page, 'input[name=address]', zh ? '示例市数据大道 9 号' : '9 Data Avenue, Example City');
      await setValue(page, 'input[name=creditCode]', '12345');
      await setValue(page, 'input[name=responsiblePerson]', zh ? '周主任' : 'Director Zhou');
      await setValue(page, 'input[name="contacts[0][name]"]', zh ? '孙联络' : 'Sun Liaison');
      await setValue(page, 'input[name="contacts[0][email]"]', 'not-an-email');
      await click(page, 'form.filing-fields button.primary');
      expect(await fieldError(page, 'creditCode')).to.contain(zh ? '18 位统一社会信用代码' : '18-character unified social credit code');
      expect(await fieldError(page, 'contacts.0.email')).to.match(zh ? /邮/ : /email/i);
      expect(await value(page, 'input[name=creditCode]')).to.equal('12345');
      expect(await value(page, 'input[name=address]')).to.equal(zh ? '示例市数据大道 9 号' : '9 Data Avenue, Example City');
      expect(await value(page, 'input[name="contacts[0][name]"]')).to.equal(zh ? '孙联络' : 'Sun Liaison');
      await check(page, lang, '01-filing-form-refused');
      await setValue(page, 'input[name=creditCode]', '91330100MA2B3C4D5E');
      await setValue(page, 'input[name="contacts[0][email]"]', 'sun@example.cn');
      await click(page, 'form.filing-fields button.primary');
      expect(page.url()).to.match(/\/filing$/);
      expect(await value(page, 'input[name=creditCode]')).to.equal('91330100MA2B3C4D5E');
      expect(await value(page, 'input[name="contacts[0][email]"]')).to.equal('sun@example.cn');
      const stored = JSON.parse((await ctx.db.knex('filings').where({ system_id: systemId }).first()).form);
      expect(stored).to.deep.include({ creditCode: '91330100MA2B3C4D5E', responsiblePerson: zh ? '周主任' : 'Director Zhou' });
      expect(stored.contacts).to.deep.equal([{ name: zh ? '孙联络' : 'Sun Liaison', email: 'sun@example.cn' }]);

      // ---- 2. returned (退回) with a reason: a blank reason is refused in words ----
      await click(page, 'form.return-filing button');
      expect(await fieldError(page, 'returnReason')).to.equal(zh ? '备案被退回时必须填写退回原因' : 'required when the filing is returned');
      const reason = zh ? '缺少系统拓扑结构说明' : 'The network topology description is missing';
      await page.type('textarea[name=returnReason]', reason);
      await click(page, 'form.return-filing button');
      expect(await page.$eval('.filing-status', (e) => e.textContent)).to.equal(zh ? '已退回' : 'Returned');
      expect(await page.$eval('.return-reason', (e) => e.textContent)).to.equal(reason);
      await check(page, lang, '02-filing-returned');
      const phone = await signIn('officer', lang, 390);
      for (const [name, url] of [
        ['filing', `/systems/${systemId}/filing`],
        ['system', `/systems/${systemId}`],
      ] as const) {
        await phone.goto(`${base}${url}`);
        const { scroll, client } = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
        await phone.screenshot({ path: path.join(ARTIFACTS, `forms-small-${name}-${ctx.engine}-${lang}.png`), fullPage: true });
        expect(scroll, `${name} at 390 px`).to.be.at.most(client);
      }
      await page.goto(systemUrl);
      expect(await page.$eval('li[data-step="filing"]', (e) => e.textContent)).to.contain(zh ? '退回' : 'eturned');

      // ---- 3. the system's details: a platform on premises is refused; contacts and deployment saved ----
      await page.$eval('details.edit-system', (d) => ((d as HTMLDetailsElement).open = true));
      await page.type('input[name=businessType]', zh ? '政务服务' : 'Government services');
      await page.select('select[name=deployment]', 'on_premises');
      const platform = await page.$eval('select[name=platformId] option:nth-child(2)', (o) => (o as HTMLOptionElement).value);
      await page.select('select[name=platformId]', platform);
      await setValue(page, 'input[name="contacts[0][name]"]', zh ? '钱运维' : 'Qian Ops');
      await setValue(page, 'input[name="contacts[0][phone]"]', '0571-1234');
      await click(page, 'form.system-details button.primary');
      expect(await fieldError(page, 'platformId')).to.equal(zh ? '只有云上部署的系统才能选择云平台' : 'only a cloud deployment has a platform');
      expect(await value(page, 'input[name=businessType]')).to.equal(zh ? '政务服务' : 'Government services');
      expect(await value(page, 'input[name="contacts[0][phone]"]')).to.equal('0571-1234');
      await check(page, lang, '03-system-refused');
      // In the cloud the platform is accepted; a contact row without its name is named.
      await page.select('select[name=deployment]', 'cloud');
      await setValue(page, 'input[name="contacts[1][email]"]', 'no-name@example.cn'); // a row without its name
      await click(page, 'form.system-details button.primary');
      expect(await fieldError(page, 'contacts.1.name')).to.equal(zh ? '必须填写' : 'required');
      expect(await value(page, 'input[name="contacts[1][email]"]')).to.equal('no-name@example.cn');
      await setValue(page, 'input[name="contacts[1][name]"]', zh ? '赵值班' : 'Zhao On-call');
      await click(page, 'form.system-details button.primary');
      expect(page.url()).to.equal(systemUrl);
      const shown = await check(page, lang, '04-system-saved');
      expect(await page.$eval('h1', (h) => h.textContent)).to.contain(zh ? '云上部署' : 'Cloud');
      expect(shown).to.contain(zh ? '钱运维' : 'Qian Ops');
      const row = await ctx.db.knex('systems').where({ id: systemId }).first();
      expect(row.platform_id).to.equal(platform);
      expect(JSON.parse(row.contacts)).to.deep.equal([
        { name: zh ? '钱运维' : 'Qian Ops', phone: '0571-1234' },
        { name: zh ? '赵值班' : 'Zhao On-call', email: 'no-name@example.cn' },
      ]);

      // ---- 4. the data survey: crossing the border without a destination is refused in words ----
      await click(page, 'a.survey-link');
      await page.type('input[name=category]', zh ? '个人金融信息' : 'Personal financial data');
      await page.type('textarea[name=description]', zh ? '客户账户与交易记录' : 'Customer accounts and transactions');
      await page.select('select[name=level]', 'important');
      await page.type('textarea[name=storageLocations]', zh ? '杭州机房\n阿里云华东1' : 'Hangzhou data centre\nAlibaba Cloud East China 1');
      await page.type('input[name=recordCount]', '120000');
      await page.click('input[name=personalInformation]');
      await page.click('input[name=crossBorder]');
      await page.click('input[name=proc_store]');
      await click(page, 'form.survey-category button.primary');
      expect(await fieldError(page, 'crossBorderDestination')).to.equal(zh ? '数据出境时必须填写出境目的地及接收方' : 'required when the data crosses the border');
      expect(await value(page, 'input[name=category]')).to.equal(zh ? '个人金融信息' : 'Personal financial data');
      expect(await page.$eval('input[name=crossBorder]', (e) => (e as HTMLInputElement).checked)).to.equal(true);
      expect(await page.$eval('input[name=proc_store]', (e) => (e as HTMLInputElement).checked)).to.equal(true);
      await check(page, lang, '05-survey-refused');
      await page.type('input[name=crossBorderDestination]', zh ? '新加坡分行' : 'Singapore branch');
      await click(page, 'form.survey-category button.primary');
      const survey = await check(page, lang, '06-survey-saved');
      expect(await page.$eval('tr[data-category="0"] td.level', (e) => e.textContent)).to.equal(zh ? '重要数据' : 'Important data');
      expect(survey).to.contain(zh ? '新加坡分行' : 'Singapore branch');
      const surveyRow = JSON.parse((await ctx.db.knex('filings').where({ system_id: systemId }).first()).data_survey);
      expect(surveyRow.categories[0]).to.deep.include({ level: 'important', recordCount: 120000, crossBorder: true, personalInformation: true, processing: ['store'] });
      await page.setViewport({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'survey at 390 px').to.equal(true);
      await page.screenshot({ path: path.join(ARTIFACTS, `forms-small-survey-${ctx.engine}-${lang}.png`), fullPage: true });
      await page.setViewport({ width: 1360, height: 900 });

      // ---- 5. the protection plan: drafted, then edited; a task without its text is refused ----
      await page.goto(systemUrl);
      await click(page, '#filing-2025 form[action$="/protection-plans"] button');
      await click(page, 'a.plan-link');
      await page.type('input[name=adoptedOn]', '');
      await setValue(page, 'input[name=adoptedOn]', '2026-06-01');
      await setValue(page, 'textarea[name=measures]', zh ? '边界防火墙\n日志审计' : 'Border firewall\nLog audit');
      await setValue(page, 'input[name="plan[0][owner]"]', zh ? '钱运维' : 'Qian Ops');
      await click(page, 'form.plan-form button.primary');
      expect(await fieldError(page, 'plan[0][item]')).to.contain(zh ? '必须填写' : 'required');
      expect(await value(page, 'input[name="plan[0][owner]"]')).to.equal(zh ? '钱运维' : 'Qian Ops');
      expect(await value(page, 'textarea[name=measures]')).to.equal(zh ? '边界防火墙\n日志审计' : 'Border firewall\nLog audit');
      await check(page, lang, '07-plan-refused');
      await setValue(page, 'input[name="plan[0][item]"]', zh ? '启用运维账户口令策略' : 'Enforce the admin password policy');
      await setValue(page, 'input[name="plan[0][due]"]', '2026-12-31');
      await click(page, 'form.plan-form button.primary');
      expect(await value(page, 'input[name="plan[0][item]"]')).to.equal(zh ? '启用运维账户口令策略' : 'Enforce the admin password policy');
      await check(page, lang, '08-plan-saved');
      const plan = await ctx.db.knex('protection_plans').where({ system_id: systemId }).first();
      expect(plan.adopted_on).to.equal('2026-06-01');
      expect(JSON.parse(plan.content)).to.deep.include({ measures: zh ? ['边界防火墙', '日志审计'] : ['Border firewall', 'Log audit'], plan: [{ item: zh ? '启用运维账户口令策略' : 'Enforce the admin password policy', owner: zh ? '钱运维' : 'Qian Ops', due: '2026-12-31' }] });
      await page.setViewport({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'plan at 390 px').to.equal(true);
      await page.screenshot({ path: path.join(ARTIFACTS, `forms-small-plan-${ctx.engine}-${lang}.png`), fullPage: true });
      await page.setViewport({ width: 1360, height: 900 });

      // ---- 6. an inspection, then its rectified date: before the inspection is refused ----
      await page.goto(systemUrl);
      await page.type('#inspections input[name=organ]', zh ? '示例市公安局' : 'Example City PSB');
      await setValue(page, '#inspections input[name=inspectedOn]', '2026-09-01');
      await page.type('#inspections input[name=result]', zh ? '日志留存不足' : 'Logs kept too briefly');
      await page.type('#inspections input[name=notice]', zh ? '限期整改' : 'Rectify by the due date');
      await click(page, '#inspections form[action$="/inspections"] button');
      await setValue(page, 'form.rectified-form input[name=rectifiedOn]', '2026-08-01');
      await click(page, 'form.rectified-form button');
      expect(await fieldError(page, 'rectifiedOn')).to.equal(zh ? '不得早于检查日期（2026-09-01）' : 'must not be before the inspection (2026-09-01)');
      expect(await value(page, 'form.rectified-form input[name=rectifiedOn]')).to.equal('2026-08-01');
      await check(page, lang, '09-rectified-refused');
      await setValue(page, 'form.rectified-form input[name=rectifiedOn]', '2026-10-15');
      await click(page, 'form.rectified-form button');
      expect(await page.$eval('.rectified strong', (e) => e.textContent)).to.equal('2026-10-15');
      await check(page, lang, '10-rectified');

      // ---- 7. archive: the confirmation is asked for, then the system is archived ----
      await page.$eval('details.edit-system', (d) => ((d as HTMLDetailsElement).open = true));
      await click(page, 'form.archive-system button');
      expect(await fieldError(page, 'confirm')).to.equal(zh ? '请勾选确认后再归档' : 'tick the box to confirm archiving');
      await page.$eval('details.edit-system', (d) => ((d as HTMLDetailsElement).open = true));
      await page.click('form.archive-system input[name=confirm]');
      await click(page, 'form.archive-system button');
      expect(await page.$eval('p.archived', (e) => e.textContent)).to.equal(zh ? '已归档（停用）' : 'Archived (decommissioned)');
      expect(await page.$$('form.system-details')).to.have.length(0);
      expect((await ctx.db.knex('systems').where({ id: systemId }).first()).archived_at).to.be.a('string');
      await check(page, lang, '11-archived');
      await page.browserContext().close();
      await phone.browserContext().close();
    });
  }

  it('an auditor sees no form on these pages, and a form posted by an auditor is refused', async function () {
    this.timeout(180_000);
    const demo = await ctx.db.knex('systems').where({ name: '城市大脑运营管理平台' }).first();
    // The plan and the inspection the officer's tests above recorded in the same organisation.
    const plan = await ctx.db.knex('protection_plans').where({ organization_id: demo.organization_id }).first();
    const inspection = await ctx.db.knex('inspections').where({ organization_id: demo.organization_id }).whereNotNull('rectified_on').first();
    expect(plan, 'a plan from the officer tests').to.not.equal(undefined);
    expect(inspection, 'an inspection from the officer tests').to.not.equal(undefined);
    const page = await signIn('auditor', 'zh-CN');
    const pages = [`/systems/${demo.id}`, `/systems/${demo.id}/filing`, `/systems/${demo.id}/data-survey`, `/systems/${plan.system_id}/protection-plans/${plan.id}`, `/systems/${inspection.system_id}`];
    for (const url of pages) {
      const res = await page.goto(`${base}${url}`);
      expect(res!.status(), url).to.equal(200);
      const forms = await page.$$eval('main form', (fs) => fs.map((f) => f.getAttribute('action')));
      expect(forms, url).to.deep.equal([]);
      await check(page, 'zh-CN', `auditor-${url.split('/').slice(3).join('-') || 'system'}`);
    }
    // The same form an officer posts, from the auditor's signed-in page with its CSRF token: refused.
    const before = await ctx.db.knex('filings').where({ system_id: demo.id }).first();
    // (A string: the test transpiler would name the inner function with a helper the page lacks.)
    const answers = (await page.evaluate(`(async (id, planSystem, planId, inspectionSystem, inspectionId) => {
      const csrf = document.querySelector('input[name=_csrf]').value;
      const post = async (url, fields) =>
        (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...fields }), redirect: 'manual' })).status;
      return [
        await post('/systems/' + id + '/filing/form', { organizationName: 'x' }),
        await post('/systems/' + id + '/filing/return', { returnReason: 'x' }),
        await post('/systems/' + id + '/edit', { name: 'x', deployment: 'cloud' }),
        await post('/systems/' + id + '/archive', { confirm: '1' }),
        await post('/systems/' + id + '/data-survey', { category: 'x', description: 'x', level: 'general', storageLocations: 'x' }),
        await post('/systems/' + id + '/data-survey/remove', { index: '0' }),
        await post('/systems/' + planSystem + '/protection-plans/' + planId, { approach: 'x', adoptedOn: '2026-01-01' }),
        await post('/systems/' + inspectionSystem + '/inspections/' + inspectionId + '/rectified', { rectifiedOn: '2026-12-01' }),
      ];
    })(${JSON.stringify(demo.id)}, ${JSON.stringify(plan.system_id)}, ${JSON.stringify(plan.id)}, ${JSON.stringify(inspection.system_id)}, ${JSON.stringify(inspection.id)})`)) as number[];
    expect(answers).to.deep.equal([403, 403, 403, 403, 403, 403, 403, 403]);
    expect((await ctx.db.knex('protection_plans').where({ id: plan.id }).first()).content).to.equal(plan.content);
    expect((await ctx.db.knex('inspections').where({ id: inspection.id }).first()).rectified_on).to.equal(inspection.rectified_on);
    const after = await ctx.db.knex('filings').where({ system_id: demo.id }).first();
    expect(after.form).to.equal(before.form);
    expect(after.status).to.equal(before.status);
    const system = await ctx.db.knex('systems').where({ id: demo.id }).first();
    expect(system.archived_at ?? null).to.equal(null);
    expect(system.name).to.equal(demo.name);
    await page.browserContext().close();
  });
});
