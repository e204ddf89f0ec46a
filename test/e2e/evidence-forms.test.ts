import { expect } from 'chai';
import type { Express } from 'express';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { level3Assessment } from '../utils/assessments.js';
import { demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { startBrowserApp, type BrowserApp } from '../utils/browser-app.js';
import { checkFormPage, errorNextTo, pageText, retype, signInPage, submitForm, valueOf, widthAt390, type Lang } from '../utils/browser-pages.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';


/** What each language must say (the page's own words, never a raw value or an English message in Chinese). */
const T = {
  'zh-CN': { date: '年-月-日', file: '请选择要上传的文件', format: '格式不正确', tooShort: '至少 5 个字', deleted: '已删除', certificate: '证书', configuration: '配置文件', unit: '测评单元编号格式应如', confirm: '请勾选确认', code: '编号须以 X- 开头', notApplicable: '不适用', noPlatform: '未部署在云平台上', fix: '请修改标出的字段' },
  en: { date: 'year-month-day', file: 'Choose a file to upload', format: 'Not in the expected format', tooShort: 'At least 5 characters', deleted: 'Deleted', certificate: 'Certificate', configuration: 'Configuration', unit: 'Unit codes look like', confirm: 'Tick the box', code: 'must start with X-', notApplicable: 'Not applicable', noPlatform: 'not deployed on a cloud platform', fix: 'Please correct the marked fields' },
} as const;

/**
 * The forms for what the API could do and the UI could not: evidence (edit, delete, new version,
 * link and unlink, cancelling a request), a result's evidence kind without JavaScript, finding edit
 * and delete (numbers kept), and an assessment's extra items, inheritance and rows outside the
 * mapping. Driven in Chromium with JavaScript off (the forms must work without it), both languages.
 */
describeEachEngine('evidence, finding and assessment-item forms in a real browser', (ctx) => {
  let app: Express;
  let harness: BrowserApp;
  let base: string;
  let browser: Browser;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let a: { id: string };
  let objects: Array<{ id: string; name: string }>;
  const file = path.join(tmpdir(), `evidence-forms-${process.pid}.png`);

  before(async function () {
    this.timeout(90_000);
    harness = await startBrowserApp(ctx.db);
    ({ app, base, browser } = harness);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    const made = await level3Assessment(officer, consultant, (await demoOrganizations(ctx.db)).citybrain);
    a = made.assessment;
    objects = made.objects;
    writeFileSync(file, png(7070));
  });
  after(async () => {
    await harness?.close();
  });

  const browserAs = (username: string, lang: Lang) => signInPage(browser, base, username, lang);
  const text = pageText;
  const submit = submitForm;
  // The demo users' names (consultant, officer) are names, not role values.
  const checkPage = (page: Page, lang: Lang, name: string) =>
    checkFormPage(page, lang, name, ctx.engine, (t) => t.replace(/\b(consultant|officer)\b(?= ·)|\((consultant|officer)\)/g, ''));
  const evidence = async (title: string) => (await consultant.post('/api/v1/evidence').field('title', title).field('kind', 'configuration').attach('file', png(title.length * 31), 'fw.png').expect(201)).body as { id: string };
  const finding = async (title: string) => (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title, units: ['L3-CES1-01'], risk: 'medium' }).expect(201)).body as { id: string; number: string };

  for (const lang of ['zh-CN', 'en'] as const) {
    const t = T[lang];

    it(`(${lang}) evidence: edits its details, uploads a new version, links to a result and a finding and unlinks; refused forms keep what was typed`, async function () {
      this.timeout(180_000);
      const ev = await evidence(`防火墙配置-${lang}`);
      const f = await finding(`边界访问控制不足-${lang}`);
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}/evidence/${ev.id}`);
      // Edit: a bad date comes back next to its field, with the new title and kind still typed.
      const edit = 'form.evidence-edit';
      await retype(page, `${edit} input[name=title]`, `边界防火墙策略-${lang}`);
      await page.select(`${edit} select[name=kind]`, 'certificate');
      await page.type(`${edit} input[name=validUntil]`, '2027-13-45');
      expect(await submit(page, edit)).to.equal(400);
      expect(await errorNextTo(page, edit, 'validUntil')).to.contain(t.date);
      expect(await text(page, 'p.error')).to.contain(t.fix);
      expect(await valueOf(page, `${edit} input[name=title]`)).to.equal(`边界防火墙策略-${lang}`);
      expect(await valueOf(page, `${edit} select[name=kind]`)).to.equal('certificate');
      expect(await valueOf(page, `${edit} input[name=validUntil]`)).to.equal('2027-13-45');
      expect((await ctx.db.knex('evidence').where({ id: ev.id }).first()).title).to.equal(`防火墙配置-${lang}`);
      await retype(page, `${edit} input[name=validUntil]`, '2027-12-31');
      await page.type(`${edit} input[name=tags]`, '边界, 防火墙');
      expect(await submit(page, edit)).to.equal(200);
      expect(await text(page, 'h1')).to.contain(`边界防火墙策略-${lang}`).and.to.contain(t.certificate);
      expect(await text(page)).to.contain('2027-12-31').and.to.contain('防火墙');
      expect(await ctx.db.knex('evidence').where({ id: ev.id }).first()).to.include({ title: `边界防火墙策略-${lang}`, kind: 'certificate', valid_until: '2027-12-31' });

      // A new version: without a file the note stays and the file is asked for; with one it is v2.
      const version = 'form.evidence-version';
      await page.type(`${version} input[name=note]`, `重新导出-${lang}`);
      expect(await submit(page, version)).to.equal(400);
      expect(await errorNextTo(page, version, 'file')).to.equal(t.file);
      expect(await valueOf(page, `${version} input[name=note]`)).to.equal(`重新导出-${lang}`);
      await (await page.$(`${version} input[type=file]`))!.uploadFile(file);
      expect(await submit(page, version)).to.equal(200);
      expect(await text(page, 'table')).to.contain('v2').and.to.contain(`重新导出-${lang}`);
      expect((await ctx.db.knex('evidence').where({ id: ev.id }).first()).current_version).to.equal(2);

      // Link to a result: a code that is not one comes back with the choices kept; then linked.
      const toResult = 'form.evidence-link-result';
      await page.select(`${toResult} select[name=assessmentId]`, a.id);
      await page.select(`${toResult} select[name=objectId]`, objects[0]!.id);
      await page.type(`${toResult} input[name=code]`, 'L3-XYZ');
      expect(await submit(page, toResult)).to.equal(400);
      expect(await errorNextTo(page, toResult, 'code')).to.equal(t.format);
      expect(await valueOf(page, `${toResult} input[name=code]`)).to.equal('L3-XYZ');
      expect(await valueOf(page, `${toResult} select[name=objectId]`)).to.equal(objects[0]!.id);
      await retype(page, `${toResult} input[name=code]`, 'l3-ces1-01');
      expect(await submit(page, toResult)).to.equal(200);
      expect(await text(page, 'ul.evidence-links')).to.contain('L3-CES1-01 · APP-SRV-01');
      // Link to the finding, then unlink it.
      await page.select('form.evidence-link-finding select[name=findingId]', f.id);
      expect(await submit(page, 'form.evidence-link-finding')).to.equal(200);
      expect(await text(page, 'ul.evidence-links')).to.contain(`${f.number} 边界访问控制不足-${lang}`);
      const links = await ctx.db.knex('evidence_links').where({ evidence_id: ev.id }).orderBy('target_type');
      expect(links.map((l: { target_type: string }) => l.target_type)).to.deep.equal(['assessment_result', 'finding']);
      const unlink = await page.$$eval('ul.evidence-links li', (lis) => lis.findIndex((li) => li.querySelector('a[href^="/findings/"]')));
      await Promise.all([page.waitForNavigation(), page.click(`ul.evidence-links li:nth-child(${unlink + 1}) form.unlink button`)]);
      expect(await text(page, 'ul.evidence-links')).not.to.contain(`边界访问控制不足-${lang}`);
      expect(await ctx.db.knex('evidence_links').where({ evidence_id: ev.id }).pluck('target_type')).to.deep.equal(['assessment_result']);
      // The history in words; a consultant may not delete (an officer's decision).
      expect(await page.$('form.evidence-delete')).to.equal(null);
      await checkPage(page, lang, 'evidence-item');
      await page.browserContext().close();
    });

    it(`(${lang}) evidence: an officer deletes it with a reason (too short first); an open request is cancelled from the library`, async function () {
      this.timeout(120_000);
      const ev = await evidence(`待删除证据-${lang}`);
      const request = (await officer.post('/api/v1/evidence-requests').send({ organizationId: (await demoOrganizations(ctx.db)).citybrain, title: `请提供巡检记录-${lang}`, requestedFrom: '运维部', dueDate: '2026-12-31' }).expect(201)).body as { id: string };
      const page = await browserAs('officer', lang);
      await page.goto(`${base}/evidence/${ev.id}`);
      await page.type('form.evidence-delete input[name=reason]', 'abc');
      expect(await submit(page, 'form.evidence-delete')).to.equal(400);
      expect(await errorNextTo(page, 'form.evidence-delete', 'reason')).to.equal(t.tooShort);
      expect(await valueOf(page, 'form.evidence-delete input[name=reason]')).to.equal('abc');
      await retype(page, 'form.evidence-delete input[name=reason]', 'abc 重复上传，以新证据为准');
      expect(await submit(page, 'form.evidence-delete')).to.equal(200);
      expect(await text(page, 'h1')).to.contain(t.deleted);
      expect(await text(page, '.deleted-note'), await text(page)).to.contain('abc 重复上传，以新证据为准');
      expect(await page.$('form.evidence-edit')).to.equal(null);
      expect((await ctx.db.knex('evidence').where({ id: ev.id }).first()).delete_reason).to.equal('abc 重复上传，以新证据为准');
      await page.goto(`${base}/evidence`);
      expect(await text(page, '#requests')).to.contain(`请提供巡检记录-${lang}`);
      await Promise.all([page.waitForNavigation(), page.click(`tr[data-request="${request.id}"] form.cancel-request button`)]);
      expect(await text(page, '#requests')).not.to.contain(`请提供巡检记录-${lang}`);
      expect((await ctx.db.knex('evidence_requests').where({ id: request.id }).first()).status).to.equal('cancelled');
      await checkPage(page, lang, 'evidence-library');
      await page.browserContext().close();
    });

    it(`(${lang}) workspace: without JavaScript, a result's evidence is uploaded from its unit's form, naming the row and the kind`, async function () {
      this.timeout(120_000);
      const object = lang === 'zh-CN' ? objects[0]! : objects[1]!;
      const row = await ctx.db.knex('assessment_results').where({ assessment_id: a.id, code: 'L3-CES1-02', object_key: object.id }).first();
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}/assessments/${a.id}?layer=CES&cp=0`);
      const form = '#u-L3-CES1-02 form.attach';
      // The unit's form lists the unit's objects by name.
      expect(await page.$eval(`${form} select[name=resultId] option[value="${row.id}"]`, (o) => o.textContent)).to.equal(object.name);
      await page.select(`${form} select[name=resultId]`, row.id);
      await page.select(`${form} select[name=kind]`, 'configuration');
      await (await page.$(`${form} input[type=file]`))!.uploadFile(file);
      await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
      expect(page.url()).to.contain(`#r-${row.id}`);
      expect(await text(page, `#r-${row.id} .evidence-list`)).to.contain(path.basename(file)).and.to.contain(t.configuration);
      const linked = await ctx.db.knex('evidence_links').join('evidence', 'evidence.id', 'evidence_links.evidence_id').where({ target_id: row.id }).first('evidence.kind');
      expect(linked.kind).to.equal('configuration');
      await page.browserContext().close();
    });

    it(`(${lang}) findings: edited on their page (a bad unit comes back as typed) and deleted; no other number changes and none is reused`, async function () {
      this.timeout(120_000);
      const made = [await finding(`弱口令-${lang}`), await finding(`未启用审计-${lang}`), await finding(`未加密传输-${lang}`)];
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}/findings/${made[1]!.id}`);
      const edit = 'form.finding-edit';
      await retype(page, `${edit} input[name=title]`, `安全审计未覆盖全部服务器-${lang}`);
      await retype(page, `${edit} input[name=units]`, 'L3-CES1-01, CES1-04');
      await page.select(`${edit} select[name=risk]`, 'high');
      expect(await submit(page, edit)).to.equal(400);
      expect(await errorNextTo(page, edit, 'units')).to.contain(t.unit);
      expect(await valueOf(page, `${edit} input[name=title]`)).to.equal(`安全审计未覆盖全部服务器-${lang}`);
      expect(await valueOf(page, `${edit} input[name=units]`)).to.equal('L3-CES1-01, CES1-04');
      expect(await valueOf(page, `${edit} select[name=risk]`)).to.equal('high');
      await retype(page, `${edit} input[name=units]`, 'L3-CES1-01, L3-CES1-04');
      expect(await submit(page, edit)).to.equal(200);
      expect(await text(page, 'h1')).to.contain(`${made[1]!.number} 安全审计未覆盖全部服务器-${lang}`);
      expect(await text(page, '#description')).to.contain('L3-CES1-04');
      expect(await ctx.db.knex('findings').where({ id: made[1]!.id }).first()).to.include({ risk: 'high', number: made[1]!.number });
      await checkPage(page, lang, 'finding-edit');
      // Delete the first one: the box must be ticked; then the others keep their numbers.
      await page.goto(`${base}/findings/${made[0]!.id}`);
      expect(await submit(page, 'form.finding-delete')).to.equal(400);
      expect(await errorNextTo(page, 'form.finding-delete', 'confirm')).to.contain(t.confirm);
      expect(await ctx.db.knex('findings').where({ id: made[0]!.id }).first()).to.not.equal(undefined);
      await page.click('form.finding-delete input[name=confirm]');
      expect(await submit(page, 'form.finding-delete')).to.equal(200);
      expect(page.url()).to.match(new RegExp(`/assessments/${a.id}/findings$`));
      expect(await ctx.db.knex('findings').where({ id: made[0]!.id }).first()).to.equal(undefined);
      for (const f of made.slice(1)) expect((await ctx.db.knex('findings').where({ id: f.id }).first()).number).to.equal(f.number);
      const board = await text(page);
      expect(board).to.contain(made[1]!.number).and.to.contain(made[2]!.number);
      const next = await finding(`新问题-${lang}`);
      expect(Number(next.number.slice(1))).to.equal(Number(made[2]!.number.slice(1)) + 1); // the deleted number is not given again
      await page.browserContext().close();
    });

    it(`(${lang}) assessment items: extra items added (a bad code first), edited and removed; inheritance re-applied; a row outside the mapping added and removed`, async function () {
      this.timeout(180_000);
      const code = `X-UI-${lang === 'en' ? 'EN' : 'ZH'}-01`;
      const page = await browserAs('consultant', lang);
      await page.goto(`${base}/assessments/${a.id}`);
      await Promise.all([page.waitForNavigation(), page.click('a.items-link')]);
      const add = 'form.extra-add';
      await page.type(`${add} input[name=code]`, 'ABC-01');
      await page.type(`${add} input[name=title]`, `关键数据备份异地核查-${lang}`);
      expect(await submit(page, add)).to.equal(400);
      expect(await errorNextTo(page, add, 'code')).to.contain(t.code);
      expect(await valueOf(page, `${add} input[name=title]`)).to.equal(`关键数据备份异地核查-${lang}`);
      expect(await valueOf(page, `${add} input[name=code]`)).to.equal('ABC-01');
      await retype(page, `${add} input[name=code]`, code);
      await page.type(`${add} input[name=source]`, 'GA/T 2182-2024');
      expect(await submit(page, add)).to.equal(200);
      expect(await text(page, `#x-${code}`)).to.contain(`关键数据备份异地核查-${lang}`).and.to.contain('GA/T 2182-2024');
      // Edit (inside a <details>, which opens without script).
      await page.click(`#x-${code} summary`);
      await retype(page, `#x-${code} form.extra-edit input[name=title]`, `异地备份核查-${lang}`);
      expect(await submit(page, `#x-${code} form.extra-edit`)).to.equal(200);
      expect(await text(page, `#x-${code} h3`)).to.contain(`异地备份核查-${lang}`);
      expect((await ctx.db.knex('assessment_extra_items').where({ assessment_id: a.id, code }).first()).title).to.equal(`异地备份核查-${lang}`);
      // Inheritance: the system is on premises, so re-applying says there is nothing to inherit.
      expect(await submit(page, 'form.inherit')).to.equal(200);
      expect(await text(page, '#inheritance .inheritance-state')).to.contain(t.notApplicable).and.to.contain(t.noPlatform);
      // A row outside the mapping: a code that is not one first, then added, listed and removed.
      const unit = lang === 'en' ? 'L3-PSS1-03' : 'L3-PSS1-01';
      const outside = 'form.outside-add';
      await page.type(`${outside} input[name=code]`, 'L3-PSS1');
      await page.select(`${outside} select[name=objectId]`, objects[0]!.id);
      expect(await submit(page, outside)).to.equal(400);
      expect(await errorNextTo(page, outside, 'code')).to.contain(t.unit);
      expect(await valueOf(page, `${outside} select[name=objectId]`)).to.equal(objects[0]!.id);
      await retype(page, `${outside} input[name=code]`, unit);
      expect(await submit(page, outside)).to.equal(200);
      expect(await text(page, 'table.outside-rows')).to.contain(unit).and.to.contain('APP-SRV-01');
      expect(await ctx.db.knex('assessment_results').where({ assessment_id: a.id, code: unit, object_key: objects[0]!.id, outside_mapping: true }).first()).to.not.equal(undefined);
      await checkPage(page, lang, 'assessment-items');
      await Promise.all([page.waitForNavigation(), page.click(`table.outside-rows tr[data-code="${unit}"] form.outside-remove button`)]);
      expect(await text(page, 'table.outside-rows')).not.to.contain(unit);
      expect(await ctx.db.knex('assessment_results').where({ assessment_id: a.id, code: unit, object_key: objects[0]!.id }).first()).to.equal(undefined);
      await page.click(`#x-${code} summary`);
      await Promise.all([page.waitForNavigation(), page.click(`#x-${code} form.extra-remove button`)]);
      expect(await page.$(`#x-${code}`)).to.equal(null);
      expect(await ctx.db.knex('assessment_extra_items').where({ assessment_id: a.id, code }).first()).to.equal(undefined);
      await page.browserContext().close();
    });
  }

  it('a finding saved by someone else meanwhile: the edit comes back as typed (409) over the newer version, and submitting again saves it', async function () {
    const f = await finding('并发修改前');
    const first = (await consultant.get(`/api/v1/findings/${f.id}`).expect(200)).body as { rowVersion: number };
    await officer.patch(`/api/v1/findings/${f.id}`).send({ rowVersion: first.rowVersion, title: '别人先改了' }).expect(200);
    const csrf = await csrfOf(consultant);
    const form = { _csrf: csrf, title: '我的修改', units: 'L3-CES1-01', risk: 'low' };
    const res = await consultant.post(`/findings/${f.id}/edit`).type('form').set('accept-language', 'zh-CN').send({ ...form, rowVersion: String(first.rowVersion) }).expect(409);
    expect(res.text).to.contain('value="我的修改"').and.to.contain(`name="rowVersion" value="${first.rowVersion + 1}"`);
    expect((await ctx.db.knex('findings').where({ id: f.id }).first()).title).to.equal('别人先改了');
    await consultant.post(`/findings/${f.id}/edit`).type('form').send({ ...form, rowVersion: String(first.rowVersion + 1) }).expect(303);
    expect((await ctx.db.knex('findings').where({ id: f.id }).first()).title).to.equal('我的修改');
  });

  it('shows an auditor none of these forms, and refuses every one of their posts (403) with nothing changed', async function () {
    this.timeout(60_000);
    const ev = await evidence('审计只读证据');
    const f = await finding('审计只读问题');
    await consultant.post(`/api/v1/assessments/${a.id}/extra-items`).send({ code: 'X-AUDIT-01', title: '只读补充项' }).expect(201);
    const request = (await officer.post('/api/v1/evidence-requests').send({ organizationId: (await demoOrganizations(ctx.db)).citybrain, title: '只读请求', requestedFrom: '运维部', dueDate: '2026-12-31' }).expect(201)).body as { id: string };
    const csrf = await csrfOf(auditor);
    for (const url of [`/evidence/${ev.id}`, `/findings/${f.id}`, `/assessments/${a.id}/items`, '/evidence']) {
      const html = (await auditor.get(url).set('accept-language', 'zh-CN').expect(200)).text;
      expect(html, url).not.to.match(/<form method="post" action="\/(evidence|findings|assessments|evidence-requests)\//);
    }
    const posts: Array<[string, Record<string, string>]> = [
      [`/evidence/${ev.id}/edit`, { title: '改名' }],
      [`/evidence/${ev.id}/delete`, { reason: '审计员不应能删除' }],
      [`/evidence/${ev.id}/link`, { to: 'finding', findingId: f.id }],
      [`/evidence/${ev.id}/unlink`, { targetType: 'finding', targetId: f.id }],
      [`/evidence-requests/${request.id}/cancel`, {}],
      [`/findings/${f.id}/edit`, { title: '改名', units: 'L3-CES1-01', risk: 'low', rowVersion: '1' }],
      [`/findings/${f.id}/delete`, { confirm: 'yes' }],
      [`/assessments/${a.id}/items/extra`, { code: 'X-AUDIT-02', title: '不应增加' }],
      [`/assessments/${a.id}/items/extra/X-AUDIT-01`, { title: '改名' }],
      [`/assessments/${a.id}/items/extra/X-AUDIT-01/remove`, {}],
      [`/assessments/${a.id}/items/inherit`, {}],
      [`/assessments/${a.id}/items/outside-add`, { code: 'L3-PSS1-02', objectId: objects[0]!.id }],
      [`/assessments/${a.id}/items/outside-remove`, { code: 'L3-PSS1-02', objectId: objects[0]!.id }],
    ];
    for (const [url, body] of posts) {
      await auditor.post(url).type('form').send({ _csrf: csrf, ...body }).expect(403);
    }
    await auditor.post(`/evidence/${ev.id}/versions?_csrf=${encodeURIComponent(csrf)}`).attach('file', png(1), 'x.png').expect(403);
    // A consultant may edit evidence but not delete it (an officer's decision).
    await consultant.post(`/evidence/${ev.id}/delete`).type('form').send({ _csrf: await csrfOf(consultant), reason: '顾问不应能删除' }).expect(403);
    expect(await ctx.db.knex('evidence').where({ id: ev.id }).first()).to.include({ title: '审计只读证据', current_version: 1, deleted_at: null });
    expect(await ctx.db.knex('findings').where({ id: f.id }).first()).to.include({ title: '审计只读问题' });
    expect((await ctx.db.knex('evidence_requests').where({ id: request.id }).first()).status).to.equal('open');
    expect(await ctx.db.knex('assessment_extra_items').where({ assessment_id: a.id }).pluck('code')).to.deep.equal(['X-AUDIT-01']);
  });
});
