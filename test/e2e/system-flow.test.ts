import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { createTestApp, DEMO_PASSWORD, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ORG_ROLES } from '../../server/context.js';
import { rawEnumValues } from '../utils/raw-enums.js';

const visible = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<header[\s\S]*?<\/header>|<option[\s\S]*?<\/option>|<textarea[\s\S]*?<\/textarea>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/g, ' ')
    .replace(/\s+/g, ' ');

/**
 * Issue 14 §1/§3 through the system page's forms only: grading (a failed form keeps the harms
 * chosen), review, approval, filing (certifying with attachments missing needs a confirmation and
 * records them; "mark missing" survives a later save), objects (one, pasted rows, edit, remove),
 * the step indicator, assessments (create, move, override), evidence requests, translated conflicts.
 */
describeEachEngine('the system page carries the lifecycle (forms, no API)', (ctx) => {
  let app: Express;
  let officer: Agent;
  let csrf: string;
  let systemId: string;
  const page = async (lang = 'zh-CN') => (await officer.get(`/systems/${systemId}`).set('Accept-Language', lang).expect(200)).text;
  const post = (path: string, form: Record<string, string>) => officer.post(path).type('form').send({ _csrf: csrf, ...form });

  before(async function () {
    this.timeout(120_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    csrf = await csrfOf(officer);
    const { citybrain } = await demoOrganizations(ctx.db);
    const created = await post('/systems', { organizationId: citybrain, name: '流程测试系统', deployment: 'on_premises' }).expect(303);
    systemId = created.headers.location!.split('/').pop()!;
  });

  it('a grading form that fails keeps the harm selections and the text typed, with the error next to the field', async () => {
    const res = await post(`/systems/${systemId}/gradings`, { s_social: 'serious', s_citizens: 'general', a_social: 'general', rationale: '太短', gradedOn: '2026-03-01' }).set('Accept-Language', 'zh-CN');
    expect(res.status).to.equal(400);
    expect(res.text).to.match(/<select name="s_social">[\s\S]*?<option value="serious" selected>/);
    expect(res.text).to.match(/<select name="s_citizens">[\s\S]*?<option value="general" selected>/);
    expect(res.text).to.match(/<select name="a_social">[\s\S]*?<option value="general" selected>/);
    expect(res.text).to.contain('>太短</textarea>');
    expect(res.text).to.contain('value="2026-03-01"');
    expect(res.text).to.match(/class="field-error">至少 10 个字</);
  });

  it('walks grading, review and approval; the steps say what is done and next', async () => {
    expect(await page()).to.match(/data-step="grading" data-state="next"/);
    await post(`/systems/${systemId}/gradings`, { s_social: 'serious', a_social: 'serious', rationale: '影响城市公共服务，业务信息与系统服务均严重损害社会秩序', gradedOn: '2026-03-01' }).expect(303);
    const gid = (await ctx.db.knex('gradings').where({ system_id: systemId }).first()).id;
    // A review dated before the grading: said in Chinese, next to the field, the text kept.
    const early = await post(`/systems/${systemId}/gradings/${gid}/review`, { reviewedOn: '2026-02-01', experts: '张三\n李四', opinion: '同意定为第三级' }).set('Accept-Language', 'zh-CN');
    expect(early.status).to.equal(400);
    expect(visible(early.text)).to.contain('不得早于定级日期（2026-03-01）');
    expect(early.text).to.contain('张三\n李四</textarea>');
    await post(`/systems/${systemId}/gradings/${gid}/review`, { reviewedOn: '2026-03-05', experts: '张三\n李四', opinion: '同意定为第三级' }).expect(303);
    await post(`/systems/${systemId}/gradings/${gid}/approval`, { approvedOn: '2026-03-10', authority: '市大数据局', reference: '市数据〔2026〕8号' }).expect(303);
    const html = await page();
    for (const s of ['grading', 'review', 'approval']) expect(html).to.match(new RegExp(`data-step="${s}" data-state="done"`));
    expect(html).to.match(/data-step="filing" data-state="next"/);
    expect(visible(html)).to.contain('不得早于定级审批日期（2026-03-10）');
  });

  it('filing: a submission before the approval is refused in Chinese; "mark missing" survives a later save; certifying with attachments missing needs a confirmation and records them', async () => {
    const early = await post(`/systems/${systemId}/filing`, { filingOrgan: '市公安局网安支队', submittedOn: '2026-03-01', status: 'submitted' }).set('Accept-Language', 'zh-CN');
    expect(early.status).to.equal(400);
    expect(visible(early.text)).to.contain('提交日期: 不得早于定级审批日期（2026-03-10）');
    expect(visible(early.text)).not.to.match(/must not be before|submittedOn/);
    await post(`/systems/${systemId}/filing-attachments`, { slot: 'security_products', action: 'missing' }).expect(303);
    await post(`/systems/${systemId}/filing`, { filingOrgan: '市公安局网安支队', submittedOn: '2026-03-12', status: 'submitted' }).expect(303);
    const afterSave = JSON.parse((await ctx.db.knex('filings').where({ system_id: systemId }).first()).missing_attachments);
    expect(afterSave, 'marked missing before the submission').to.deep.equal(['security_products']);
    const html = await page();
    expect(html).to.contain('name="confirmMissing"');
    const unconfirmed = await post(`/systems/${systemId}/filing`, { filingOrgan: '市公安局网安支队', submittedOn: '2026-03-12', certificateNumber: '11010099001-00001', certificateDate: '2026-03-20', status: 'certified' }).set('Accept-Language', 'zh-CN');
    expect(unconfirmed.status).to.equal(400);
    expect(visible(unconfirmed.text)).to.contain('请勾选确认后再登记备案证明');
    expect(unconfirmed.text).to.contain('value="11010099001-00001"');
    expect((await ctx.db.knex('filings').where({ system_id: systemId }).first()).status).to.equal('submitted');
    await post(`/systems/${systemId}/filing`, { filingOrgan: '市公安局网安支队', submittedOn: '2026-03-12', certificateNumber: '11010099001-00001', certificateDate: '2026-03-20', status: 'certified', confirmMissing: '1' }).expect(303);
    const filing = await ctx.db.knex('filings').where({ system_id: systemId }).first();
    expect(filing.status).to.equal('certified');
    // Every required slot was without evidence: all seven are recorded missing, the one marked by hand included.
    expect(JSON.parse(filing.missing_attachments)).to.have.length(7).and.to.include('security_products');
    const after = await page();
    expect(after).to.match(/data-step="filing" data-state="done"/);
    expect(visible(after)).to.contain('备案附件有缺失');
  });

  it('objects: one added, pasted rows with a bad line save nothing and name the line, good rows are added, edited and removed', async () => {
    await post(`/systems/${systemId}/objects`, { category: 'network_device', name: '核心交换机', ip: '10.0.0.1', version: 'V200R010', importance: 'key' }).expect(303);
    const bad = await post(`/systems/${systemId}/objects/bulk`, { rows: '服务器/存储设备\t数据库服务器\t10.0.0.5\tOracle 19c\t关键\n打印机\t彩色打印机\n' }).set('Accept-Language', 'zh-CN');
    expect(bad.status).to.equal(400);
    expect(visible(bad.text)).to.contain('第 2 行: 不认识的类别「打印机」');
    expect(bad.text).to.contain('数据库服务器\t10.0.0.5');
    expect(await ctx.db.knex('assessed_objects').where({ system_id: systemId })).to.have.length(1);
    await post(`/systems/${systemId}/objects/bulk`, { rows: '类别\t名称\tIP\t版本\t重要程度\n服务器/存储设备\t数据库服务器\t10.0.0.5\tOracle 19c\t关键\n业务应用系统/平台\t城市大脑门户\t\tv3.2\t重要\n安全管理文档\t安全管理制度汇编\t\t\t一般\n' }).expect(303);
    const rows = await ctx.db.knex('assessed_objects').where({ system_id: systemId }).orderBy('name');
    expect(rows.map((r: { name: string }) => r.name)).to.have.members(['核心交换机', '数据库服务器', '城市大脑门户', '安全管理制度汇编']);
    const db = rows.find((r: { name: string }) => r.name === '数据库服务器');
    expect(db).to.include({ category: 'server_storage', ip: '10.0.0.5', version: 'Oracle 19c', importance: 'key' });
    await post(`/objects/${db.id}/edit`, { category: 'server_storage', name: '数据库服务器（主）', ip: '10.0.0.6', version: 'Oracle 19c', importance: 'key', selected: '1' }).expect(303);
    expect(await ctx.db.knex('assessed_objects').where({ id: db.id }).first()).to.include({ name: '数据库服务器（主）', ip: '10.0.0.6' });
    const doc = rows.find((r: { name: string }) => r.name === '安全管理制度汇编');
    await post(`/objects/${doc.id}/remove`, {}).expect(303);
    expect(await ctx.db.knex('assessed_objects').where({ id: doc.id }).first()).to.equal(undefined);
    const html = await page();
    expect(html).to.contain('selected>服务器/存储设备</option>');
    expect(visible(html)).not.to.contain('server_storage');
  });

  it('assessments: created from the page (re-test of the last one), moved through allowed states only, conclusion overridden with a reason; evidence requested', async () => {
    const first = await post(`/systems/${systemId}/assessments`, { kind: 'gap_analysis', scheme: 'mlps-2025', startDate: '2026-04-01' }).expect(303);
    const firstId = first.headers.location!.split('/').pop()!;
    const badDates = await post(`/systems/${systemId}/assessments`, { kind: 'formal_test', scheme: 'mlps-2025', startDate: '2026-05-10', endDate: '2026-05-01', assessingOrganization: '某测评中心' }).set('Accept-Language', 'zh-CN');
    expect(badDates.status).to.equal(400);
    expect(visible(badDates.text)).to.contain('不得早于开始日期（2026-05-10）');
    expect(badDates.text).to.contain('value="某测评中心"');
    const second = await post(`/systems/${systemId}/assessments`, { kind: 'formal_test', scheme: 'mlps-2025', startDate: '2026-05-01', assessingOrganization: '某测评中心', assessingOrganizationCode: '0123', retest: '1' }).expect(303);
    const secondId = second.headers.location!.split('/').pop()!;
    expect((await ctx.db.knex('assessments').where({ id: secondId }).first()).retest_of_id).to.equal(firstId);
    let html = await page();
    // Only allowed transitions are offered: a draft can start, nothing else.
    const block = html.slice(html.indexOf(`data-assessment="${secondId}"`), html.indexOf('</li>', html.indexOf(`data-assessment="${secondId}"`)));
    expect([...block.matchAll(/name="to" value="(\w+)"/g)].map((m) => m[1])).to.deep.equal(['in_progress']);
    expect(block).to.contain(`/api/v1/assessments/${secondId}/evidence-pack.zip`).and.to.contain(`/assessments/${secondId}/reports`);
    await post(`/assessments/${secondId}/transitions`, { to: 'in_progress' }).expect(303);
    const refused = await post(`/assessments/${secondId}/transitions`, { to: 'locked' }).set('Accept-Language', 'zh-CN');
    expect(refused.status).to.equal(409);
    expect(visible(refused.text)).to.contain('测评不能从「测评中」转为「已锁定」');
    await post(`/assessments/${secondId}/conclusion-override`, { conclusion: 'basic', reason: '补偿措施有效，经专家论证' }).expect(303);
    expect(JSON.parse((await ctx.db.knex('assessments').where({ id: secondId }).first()).conclusion_override)).to.include({ conclusion: 'basic', reason: '补偿措施有效，经专家论证' });
    await post(`/assessments/${secondId}/edit`, { assessingOrganization: '另一测评中心', startDate: '2026-05-02', endDate: '2026-05-20' }).expect(303);
    expect(await ctx.db.knex('assessments').where({ id: secondId }).first()).to.include({ assessing_organization: '另一测评中心', start_date: '2026-05-02', end_date: '2026-05-20' });
    await post(`/systems/${systemId}/evidence-requests`, { title: '防火墙策略导出', requestedFrom: '运维部', dueDate: '2026-05-15' }).expect(303);
    html = await page();
    expect(visible(html)).to.contain('防火墙策略导出').and.to.contain('待提供').and.to.contain('差距分析').and.to.contain('测评中');
  });

  it('moves the system through its allowed states only, refusals in words in both languages', async () => {
    const html = await page();
    const offered = [...html.slice(html.indexOf('class="inline-form transitions"')).matchAll(/name="to" value="(\w+)"/g)].map((m) => m[1]).slice(0, 3);
    expect(offered).to.deep.equal(['remediation', 'testing', 'grading']);
    await post(`/systems/${systemId}/transitions`, { to: 'testing', effectiveOn: '2026-05-01' }).expect(303);
    const zh = await post(`/systems/${systemId}/transitions`, { to: 'filed' }).set('Accept-Language', 'zh-CN');
    expect(zh.status).to.equal(409);
    expect(visible(zh.text)).to.contain('系统不能从「等级测评」转到「已备案」；当前可转到：建设整改、测评通过');
    const en = await post(`/systems/${systemId}/transitions`, { to: 'filed' }).set('Accept-Language', 'en');
    expect(visible(en.text)).to.contain('cannot move from testing to filed; from testing it can move to: remediation, passed');
  });

  it('edits the system, makes a grading report, and forces a move only with a reason (recorded as forced)', async () => {
    await post(`/systems/${systemId}/edit`, { name: '流程测试系统（改名）', description: '新的描述' }).expect(303);
    expect(await ctx.db.knex('systems').where({ id: systemId }).first()).to.include({ name: '流程测试系统（改名）', description: '新的描述' });
    await post(`/systems/${systemId}/documents`, { type: 'grading_report', format: 'docx', lang: 'zh-CN' }).expect(303);
    const html = await page();
    expect(visible(html)).to.contain('网络安全等级保护定级报告');
    expect(html).to.match(/href="\/api\/v1\/documents\/[0-9a-f-]{36}\/download"/);
    const noReason = await post(`/systems/${systemId}/transitions`, { force: '1', forceTo: 'supervision', reason: '' }).set('Accept-Language', 'zh-CN');
    expect(noReason.status).to.equal(400);
    await post(`/systems/${systemId}/transitions`, { force: '1', forceTo: 'supervision', reason: '主管部门要求先行监督检查' }).expect(303);
    const last = await ctx.db.knex('system_transitions').where({ system_id: systemId }).orderBy('seq', 'desc').first();
    expect(last).to.include({ to_state: 'supervision' });
    expect(!!last.forced).to.equal(true);
    expect(visible(await page())).to.contain('强制转换：主管部门要求先行监督检查');
  });

  it('shows no raw enum value on the system page in either language', async () => {
    // Usernames of the demo are role names (officer…): left out, as in raw-enums.test.ts.
    const roles = new Set<string>(ORG_ROLES);
    for (const lang of ['zh-CN', 'en'] as const) expect(rawEnumValues(visible(await page(lang)), lang).filter((v) => !roles.has(v)), lang).to.deep.equal([]);
  });

  it('after the session expires, signing in returns to the page (and to the page a form was posted from)', async () => {
    const agent = await signIn(app, 'officer');
    await agent.get(`/systems/${systemId}`).expect(200);
    await ctx.db.knex('sessions').update({ expires_at: '2000-01-01T00:00:00.000Z' });
    const out = await agent.get(`/systems/${systemId}?tab=objects`).set('Accept', 'text/html').expect(303);
    expect(out.headers.location).to.equal(`/login?back=${encodeURIComponent(`/systems/${systemId}?tab=objects`)}`);
    const posted = await agent.post(`/systems/${systemId}/objects`).set('Referer', `http://127.0.0.1/systems/${systemId}`).set('Host', '127.0.0.1').type('form').send({ name: 'x' });
    expect(posted.headers.location ?? '').to.equal(`/login?back=${encodeURIComponent(`/systems/${systemId}`)}`);
    const fresh = supertest.agent(app);
    const login = await fresh.get(out.headers.location!).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!;
    const signedIn = await fresh.post(out.headers.location!).type('form').send({ _csrf: token, username: 'officer', password: DEMO_PASSWORD }).expect(303);
    expect(signedIn.headers.location).to.equal(`/systems/${systemId}?tab=objects`);
    officer = await signIn(app, 'officer');
    csrf = await csrfOf(officer);
  });
});
