import { expect } from 'chai';
import type { Express } from 'express';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { level3Assessment } from '../utils/assessments.js';
import { demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { startBrowserApp, type BrowserApp } from '../utils/browser-app.js';
import { checkFormPage, errorNextTo, pageText, retype, setValue, signInPage, submitForm, valueOf, widthAt390, type Lang } from '../utils/browser-pages.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';


/** What each language must say: the page's own words, never a raw value or an English message in Chinese. */
const T = {
  'zh-CN': { required: '必填', tooLong: '最多 300 个字', fix: '请修改标出的字段', layer: '层面间', high: '高风险', low: '低风险', raised: '已形成问题', importBad: '文件不符合渗透测试 CSV 的格式', notLower: '补偿后的风险须低于补偿前' },
  en: { required: 'Required', tooLong: 'At most 300 characters', fix: 'Please correct the marked fields', layer: 'Between layers', high: 'High risk', low: 'Low risk', raised: 'Finding raised:', importBad: 'not in the penetration test CSV layout', notLower: 'The risk after must be below the risk before' },
} as const;

const SCAN_CSV = (name: string) => `目标,端口,协议,漏洞编号,漏洞名称,风险等级,扫描器,版本\n10.0.1.11,3306,TCP,VUL-001,${name},高,绿盟 RSAS,V6.0R04\n`;
const PENTEST_CSV = (tag: string) => `测试对象,入口,测试方法,测试步骤,测试结果,风险等级\n外部门户,https://portal.example.cn,越权访问-${tag},修改用户ID,可查看他人订单-${tag},中\n`;

/**
 * The verification page (issue 14 §1): compensating measures (chapter 6), pen-test cases (edit,
 * delete, CSV import, raising a finding) and scanner reports (delete, raising a finding from a
 * vulnerability), driven in Chromium with JavaScript off, in both languages.
 */
describeEachEngine('verification forms (compensations, pen tests, scans) in a real browser', (ctx) => {
  let app: Express;
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let a: { id: string };
  const good = path.join(tmpdir(), `verif-forms-good-${process.pid}.csv`);
  const bad = path.join(tmpdir(), `verif-forms-bad-${process.pid}.csv`);

  before(async function () {
    this.timeout(90_000);
    harness = await startBrowserApp(ctx.db);
    ({ app, base, browser } = harness);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    a = (await level3Assessment(officer, consultant, (await demoOrganizations(ctx.db)).citybrain)).assessment;
    writeFileSync(bad, '目标,端口\n10.0.1.11,22\n');
  });
  after(async () => {
    await harness?.close();
  });

  const browserAs = (username: string, lang: Lang) => signInPage(browser, base, username, lang);
  const text = pageText;
  const submit = submitForm;
  const checkPage = (page: Page, lang: Lang, name: string) => checkFormPage(page, lang, name, ctx.engine);
  const verification = `/assessments/{a}/verification`;
  const open = async (page: Page, sel: string) => page.$eval(sel, (d) => ((d as HTMLDetailsElement).open = true));

  for (const lang of ['zh-CN', 'en'] as const) {
    const t = T[lang];

    it(`(${lang}) compensations: adds, edits and deletes a measure; a refused form keeps what was typed`, async function () {
      this.timeout(180_000);
      const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: `远程管理未加密-${lang}`, units: ['L3-CES1-01'], risk: 'high' }).expect(201)).body as { id: string; number: string };
      const stored = (await ctx.db.knex('compensations').where({ assessment_id: a.id })).length;
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}${verification.replace('{a}', a.id)}`);
      const form = 'form.compensation-new';
      await page.select(`${form} select[name=kind]`, 'layer');
      await page.type(`${form} textarea[name=reasoning]`, `边界设备集中审计弥补主机审计不足-${lang}`);
      await page.type(`${form} input[name=unit0]`, 'L3-CES1-01');
      await page.select(`${form} select[name=before0]`, 'high');
      await page.select(`${form} select[name=after0]`, 'low');
      await page.select(`${form} select[name="finding_${f.id}"]`, 'low');
      // The measure left empty: refused next to its field, everything else as typed.
      expect(await submit(page, form)).to.equal(400);
      expect(await errorNextTo(page, form, 'measure')).to.equal(t.required);
      expect(await text(page, `${form} p.error`)).to.contain(t.fix);
      expect(await valueOf(page, `${form} select[name=kind]`)).to.equal('layer');
      expect(await valueOf(page, `${form} textarea[name=reasoning]`)).to.equal(`边界设备集中审计弥补主机审计不足-${lang}`);
      expect(await valueOf(page, `${form} input[name=unit0]`)).to.equal('L3-CES1-01');
      expect(await valueOf(page, `${form} select[name="finding_${f.id}"]`)).to.equal('low');
      expect(await ctx.db.knex('compensations').where({ assessment_id: a.id })).to.have.length(stored);
      // A rule of the service (the risk must go down) is in the page's words too.
      await page.type(`${form} textarea[name=measure]`, `部署综合安全审计系统-${lang}`);
      await page.select(`${form} select[name=after0]`, 'high');
      expect(await submit(page, form)).to.equal(400);
      expect(await errorNextTo(page, form, 'after0')).to.equal(t.notLower);
      await page.select(`${form} select[name=after0]`, 'low');
      expect(await submit(page, form)).to.equal(200);
      const c = await ctx.db.knex('compensations').where({ assessment_id: a.id, measure: `部署综合安全审计系统-${lang}` }).first();
      expect(c).to.include({ kind: 'layer', measure: `部署综合安全审计系统-${lang}` });
      const article = `#compensation-${c.id}`;
      expect(await text(page, article)).to.contain(`部署综合安全审计系统-${lang}`).and.contain(t.layer).and.contain(`L3-CES1-01 ${t.high} → ${t.low}`).and.contain(`${f.number} ${t.high} → ${t.low}`);
      expect((await ctx.db.knex('findings').where({ id: f.id }).first()).risk_after_mitigation).to.equal('low');
      await checkPage(page, lang, 'verification-compensations');

      // Edit: the measure cleared is refused and kept empty with its error; a new one is saved.
      await open(page, `${article} details`);
      const edit = `${article} form.compensation-edit`;
      await retype(page, `${edit} textarea[name=measure]`, '');
      await retype(page, `${edit} textarea[name=reasoning]`, `改为区域间补偿-${lang}`);
      expect(await submit(page, edit)).to.equal(400);
      expect(await errorNextTo(page, edit, 'measure')).to.equal(t.required);
      expect(await valueOf(page, `${edit} textarea[name=reasoning]`)).to.equal(`改为区域间补偿-${lang}`);
      await page.type(`${edit} textarea[name=measure]`, `集中日志审计平台-${lang}`);
      expect(await submit(page, edit)).to.equal(200);
      expect(await text(page, article)).to.contain(`集中日志审计平台-${lang}`).and.contain(`改为区域间补偿-${lang}`);

      // Delete: gone from the page and the finding's risk after is released.
      expect(await submit(page, `${article} form.compensation-remove`)).to.equal(200);
      expect(await page.$(article)).to.equal(null);
      expect(await ctx.db.knex('compensations').where({ id: c.id }).first()).to.equal(undefined);
      expect((await ctx.db.knex('findings').where({ id: f.id }).first()).risk_after_mitigation).to.equal(null);
      await page.browserContext().close();
    });

    it(`(${lang}) pen tests: edits, raises a finding, deletes and imports the CSV layout; refused forms keep what was typed`, async function () {
      this.timeout(180_000);
      const make = async (method: string) => (await consultant.post(`/api/v1/assessments/${a.id}/pentests`).send({ target: '外部门户', method, result: `登录接口存在 SQL 注入-${method}`, risk: 'high' }).expect(201)).body as { id: string; number: string };
      const p1 = await make(`SQL 注入-${lang}`);
      const p2 = await make(`目录遍历-${lang}`);
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}${verification.replace('{a}', a.id)}`);
      const article = `#pentest-${p1.id}`;
      await open(page, `${article} details`);
      const edit = `${article} form.pentest-edit`;
      await retype(page, `${edit} input[name=method]`, '');
      await retype(page, `${edit} textarea[name=result]`, `已修复前仍可注入-${lang}`);
      await page.select(`${edit} select[name=risk]`, 'medium');
      expect(await submit(page, edit)).to.equal(400);
      expect(await errorNextTo(page, edit, 'method')).to.equal(t.required);
      expect(await valueOf(page, `${edit} textarea[name=result]`)).to.equal(`已修复前仍可注入-${lang}`);
      expect(await valueOf(page, `${edit} select[name=risk]`)).to.equal('medium');
      expect((await ctx.db.knex('pentest_cases').where({ id: p1.id }).first()).risk).to.equal('high');
      await page.type(`${edit} input[name=method]`, `手工注入-${lang}`);
      expect(await submit(page, edit)).to.equal(200);
      expect(await text(page, article)).to.contain(`手工注入-${lang}`).and.contain(`已修复前仍可注入-${lang}`);
      expect((await ctx.db.knex('pentest_cases').where({ id: p1.id }).first()).risk).to.equal('medium');

      // Raise a finding: a title too long is refused and kept; a good one is raised and named.
      const raise = `${article} form.pentest-raise`;
      await setValue(page, `${raise} input[name=title]`, '注'.repeat(301));
      expect(await submit(page, raise)).to.equal(400);
      expect(await errorNextTo(page, raise, 'title')).to.equal(t.tooLong);
      expect(await valueOf(page, `${raise} input[name=title]`)).to.have.length(301);
      await retype(page, `${raise} input[name=title]`, `门户登录 SQL 注入-${lang}`);
      expect(await submit(page, raise)).to.equal(200);
      const raised = await ctx.db.knex('findings').where({ assessment_id: a.id, title: `门户登录 SQL 注入-${lang}` }).first();
      expect(await text(page, article)).to.contain(`${t.raised} ${raised.number}`);

      // Delete the other case.
      expect(await submit(page, `#pentest-${p2.id} form.pentest-remove`)).to.equal(200);
      expect(await page.$(`#pentest-${p2.id}`)).to.equal(null);
      expect(await ctx.db.knex('pentest_cases').where({ id: p2.id }).first()).to.equal(undefined);

      // Import: a file without the layout's header is refused in words; the layout is imported.
      const upload = async (file: string) => {
        await (await page.$('form.pentest-import input[type=file]'))!.uploadFile(file);
        return submit(page, 'form.pentest-import');
      };
      expect(await upload(bad)).to.equal(422);
      expect(await text(page, '#pentests')).to.contain(t.importBad);
      writeFileSync(good, PENTEST_CSV(lang));
      expect(await upload(good)).to.equal(200);
      expect(await text(page, '#pentests')).to.contain(`越权访问-${lang}`).and.contain(`可查看他人订单-${lang}`);
      await checkPage(page, lang, 'verification-pentests');
      await page.browserContext().close();
    });

    it(`(${lang}) scans: raises a finding from a vulnerability and deletes a scanner report`, async function () {
      this.timeout(180_000);
      const scan = async (name: string) => (await consultant.post(`/api/v1/assessments/${a.id}/scans`).attach('file', Buffer.from(SCAN_CSV(name)), `${name}.csv`).expect(201)).body as { id: string };
      const s1 = await scan(`MySQL 身份认证绕过-${lang}`);
      const s2 = await scan(`OpenSSH 旧版本-${lang}`);
      const [v] = (await consultant.get(`/api/v1/assessments/${a.id}/vulnerabilities?scanId=${s1.id}`).expect(200)).body.data as Array<{ id: string }>;
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}${verification.replace('{a}', a.id)}`);
      const raise = `#vuln-${v!.id} form.vuln-raise`;
      await setValue(page, `${raise} input[name=title]`, '漏'.repeat(301));
      expect(await submit(page, raise)).to.equal(400);
      expect(await errorNextTo(page, raise, 'title')).to.equal(t.tooLong);
      expect(await valueOf(page, `${raise} input[name=title]`)).to.have.length(301);
      await retype(page, `${raise} input[name=title]`, `数据库身份认证绕过-${lang}`);
      expect(await submit(page, raise)).to.equal(200);
      const raised = await ctx.db.knex('findings').where({ assessment_id: a.id, title: `数据库身份认证绕过-${lang}` }).first();
      expect(await text(page, `#vuln-${v!.id}`)).to.contain(`${t.raised} ${raised.number}`);

      expect(await submit(page, `#scan-${s2.id} form.scan-remove`)).to.equal(200);
      expect(await page.$(`#scan-${s2.id}`)).to.equal(null);
      expect(await ctx.db.knex('scans').where({ id: s2.id }).first()).to.equal(undefined);
      await checkPage(page, lang, 'verification-scans');
      await page.browserContext().close();
    });
  }

  it('shows an auditor none of these forms, and refuses every one of their posts (403) with nothing changed', async function () {
    this.timeout(120_000);
    const csrf = await csrfOf(auditor); // first: the CSRF cookie is set by the agent's first page
    const comp = (await consultant.post(`/api/v1/assessments/${a.id}/compensations`).send({ kind: 'area', measure: '区域间补偿', reasoning: '理由充分', effects: [{ unit: 'L3-CES1-01', before: 'medium', after: 'low' }] }).expect(201)).body as { id: string };
    const pt = (await consultant.post(`/api/v1/assessments/${a.id}/pentests`).send({ target: '门户', method: '暴力破解', result: '无锁定', risk: 'medium' }).expect(201)).body as { id: string };
    const sc = (await consultant.post(`/api/v1/assessments/${a.id}/scans`).attach('file', Buffer.from(SCAN_CSV('审计员不可删')), 'aud.csv').expect(201)).body as { id: string };
    const [v] = (await consultant.get(`/api/v1/assessments/${a.id}/vulnerabilities?scanId=${sc.id}`).expect(200)).body.data as Array<{ id: string }>;
    const html = (await auditor.get(`/assessments/${a.id}/verification`).set('accept-language', 'zh-CN').expect(200)).text;
    expect(html).to.contain('区域间补偿').and.contain('暴力破解');
    expect(html).not.to.match(/<form[^>]+action="\/(compensations|pentests|scans|scan-vulnerabilities|assessments\/[^"]+\/(compensations|pentests\/import))/);
    const posts: Array<[string, Record<string, string>]> = [
      [`/assessments/${a.id}/compensations`, { kind: 'area', measure: 'x 补偿', reasoning: 'x 理由', _rows: '1', unit0: 'L3-CES1-01', before0: 'high', after0: 'low' }],
      [`/compensations/${comp.id}/edit`, { kind: 'area', measure: '改动', reasoning: '改动理由', _rows: '1', unit0: 'L3-CES1-01', before0: 'high', after0: 'low', rowVersion: '1' }],
      [`/compensations/${comp.id}/remove`, {}],
      [`/pentests/${pt.id}/edit`, { method: '改动', result: '改动', risk: 'low', rowVersion: '1' }],
      [`/pentests/${pt.id}/finding`, {}],
      [`/pentests/${pt.id}/remove`, {}],
      [`/scans/${sc.id}/remove`, {}],
      [`/scan-vulnerabilities/${v!.id}/finding`, {}],
    ];
    const before = { c: await ctx.db.knex('compensations').where({ assessment_id: a.id }), p: await ctx.db.knex('pentest_cases').where({ assessment_id: a.id }), s: await ctx.db.knex('scans').where({ assessment_id: a.id }), f: await ctx.db.knex('findings').where({ assessment_id: a.id }) };
    for (const [url, body] of posts) await auditor.post(url).type('form').send({ _csrf: csrf, ...body }).expect(403);
    await auditor.post(`/assessments/${a.id}/pentests/import?_csrf=${encodeURIComponent(csrf)}`).attach('file', Buffer.from(PENTEST_CSV('auditor')), 'pt.csv').expect(403);
    expect(await ctx.db.knex('compensations').where({ assessment_id: a.id })).to.deep.equal(before.c);
    expect(await ctx.db.knex('pentest_cases').where({ assessment_id: a.id })).to.deep.equal(before.p);
    expect(await ctx.db.knex('scans').where({ assessment_id: a.id })).to.deep.equal(before.s);
    expect(await ctx.db.knex('findings').where({ assessment_id: a.id })).to.deep.equal(before.f);
  });
});
