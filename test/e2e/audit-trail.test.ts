import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { auditSettled } from '../../server/audit/middleware.js';
import { verifyAuditTrail } from '../../server/audit/verify.js';
import { createUser } from '../../server/services/users.js';
import { binary } from '../utils/http.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { runCli } from '../utils/process.js';
import { routeTable } from '../utils/routes.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describeEachEngine('audit trail', (ctx) => {
  let app: Express;
  let orgs: { citybrain: string; bank: string };
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent, admin: Agent, auditadmin: Agent;
  const entries = () => ctx.db.knex('audit_entries');
  const count = async () => Number((await entries().count({ n: '*' }).first())?.n ?? 0);

  before(async () => {
    app = await createTestApp(ctx.db);
    orgs = await demoOrganizations(ctx.db);
    [officer, consultant, auditor, officer2, admin, auditadmin] = await Promise.all(['officer', 'consultant', 'auditor', 'officer2', 'admin', 'auditadmin'].map((u) => signIn(app, u))) as [Agent, Agent, Agent, Agent, Agent, Agent];
  });

  it('records every unsafe route of the router table (walked from express, so new routes are covered)', async function () {
    this.timeout(120_000);
    const routes = routeTable(app).filter((r) => UNSAFE.has(r.method));
    expect(routes.length).to.be.greaterThan(60);
    const missing: string[] = [];
    for (const r of routes) {
      const url = r.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'code' ? 'L3-PES1-01' : name === 'n' ? '1' : name === 'decision' ? 'accept' : randomUUID()));
      // Sign-out routes end the session: a fresh agent for them.
      const agent = /logout/.test(r.path) ? await signIn(app, 'officer') : officer;
      await auditSettled();
      const before = await count();
      await agent[r.method.toLowerCase() as 'post'](url).send({});
      await auditSettled();
      const added = await entries().where('id', '>', 0).orderBy('id', 'desc').limit((await count()) - before);
      const ok = added.length > 0 && (/\/(login|logout)$/.test(r.path) ? added.some((e: { action: string }) => e.action.startsWith('auth.') || e.action.startsWith(`${r.method} `)) : added.some((e: { action: string }) => e.action === `${r.method} ${r.path}`));
      if (!ok) missing.push(`${r.method} ${r.path}`);
    }
    expect(missing, `routes without an audit entry:\n${missing.join('\n')}`).to.deep.equal([]);
  });

  it('records who, from where, the organisation, the target and the request fields of a write', async () => {
    const system = await ctx.db.knex('systems').where({ organization_id: orgs.citybrain }).first();
    await officer.patch(`/api/v1/systems/${system.id}`).set('X-Forwarded-For', '203.0.113.7').set('User-Agent', 'audit-test/1.0').send({ owner: '信息中心' }).expect(200);
    await auditSettled();
    const e = await entries().where({ chain: orgs.citybrain, action: 'PATCH /api/v1/systems/:id' }).orderBy('seq', 'desc').first();
    expect(e).to.include({ actor_name: 'officer', organization_id: orgs.citybrain, ip: '203.0.113.7', user_agent: 'audit-test/1.0', target_type: 'systems', target_id: system.id });
    expect(Number(e.status)).to.equal(200);
    expect(JSON.parse(e.changes)).to.deep.equal({ request: { owner: '信息中心' } });
  });

  it('records evidence downloads and workbook exports in the organisation’s trail', async () => {
    const ev = await ctx.db.knex('evidence').where({ organization_id: orgs.citybrain }).first();
    await auditor.get(`/api/v1/evidence/${ev.id}/download`).buffer(true).parse(binary).expect(200);
    const a = await ctx.db.knex('assessments').where({ organization_id: orgs.citybrain }).first();
    await auditor.get(`/api/v1/assessments/${a.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200);
    await officer2.get(`/api/v1/evidence/${ev.id}/download`).expect(404);
    await auditSettled();
    const rows = await entries().where({ chain: orgs.citybrain, actor_name: 'auditor' }).whereIn('action', ['GET /api/v1/evidence/:id/download', 'GET /api/v1/assessments/:id/workbook.xlsx']);
    expect(rows.map((r: { target_id: string }) => r.target_id)).to.have.members([ev.id, a.id]);
    // A refused download by another organisation's officer is recorded on the platform chain, not in the organisation's.
    expect(await entries().where({ chain: 'platform', actor_name: 'officer2', action: 'GET /api/v1/evidence/:id/download' }).first()).to.include({ status: 404 });
  });

  it('keeps organisation data off the platform chain: refusals keep field names only, invalid writes go to the member’s organisation', async () => {
    const system = await ctx.db.knex('systems').where({ organization_id: orgs.citybrain }).first();
    await officer2.patch(`/api/v1/systems/${system.id}`).send({ description: '银行的机密描述' }).expect(404);
    await consultant.post('/api/v1/systems').send({ name: '城市大脑新系统' }).expect(400);
    await auditSettled();
    const refused = await entries().where({ chain: 'platform', actor_name: 'officer2', action: 'PATCH /api/v1/systems/:id' }).first();
    expect(JSON.parse(refused.changes)).to.deep.equal({ request: { keys: ['description'] } });
    const invalid = await entries().where({ actor_name: 'consultant', action: 'POST /api/v1/systems' }).orderBy('id', 'desc').first();
    expect(invalid.chain).to.equal(orgs.citybrain);
    expect(JSON.stringify(await entries().where({ chain: 'platform' }))).not.to.contain('城市大脑新系统').and.not.to.contain('银行的机密描述');
  });

  it('records sign-in, failed sign-in with username and IP, lockout and sign-out; secrets are masked', async () => {
    await createUser(ctx.db.knex, { username: 'locky', displayName: 'L', password: 'Str0ng-Passw0rd' });
    const anon = supertest(app);
    for (let i = 0; i < 5; i++) await anon.post('/api/v1/auth/login').set('X-Forwarded-For', '198.51.100.9').send({ username: 'locky', password: 'Wrong-Passw0rd' });
    await anon.post('/api/v1/auth/login').set('X-Forwarded-For', '198.51.100.9').send({ username: 'nobody', password: 'Wrong-Passw0rd' }).expect(401);
    await auditSettled();
    const platform = await entries().where({ chain: 'platform' }).whereIn('actor_name', ['locky', 'nobody']).orderBy('seq');
    const actions = platform.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'auth.login_failed')).to.have.length(6);
    expect(actions).to.include('auth.lockout');
    expect(platform.every((e: { ip: string }) => e.ip === '198.51.100.9')).to.equal(true);
    expect(JSON.stringify(platform)).not.to.contain('Wrong-Passw0rd');
    const agent = await signIn(app, 'consultant');
    await agent.post('/api/v1/auth/logout').expect(204);
    const { id } = await ctx.db.knex('users').where({ username: 'locky' }).first();
    await admin.patch(`/api/v1/users/${id}`).send({ password: 'An0ther-Passw0rd' }).expect(200);
    await auditSettled();
    const recent = await entries().where({ chain: 'platform' }).orderBy('seq', 'desc').limit(6);
    const acts = recent.map((e: { action: string }) => e.action);
    expect(acts).to.include.members(['auth.login', 'auth.logout', 'user.update', 'PATCH /api/v1/users/:id']);
    expect(JSON.stringify(recent)).not.to.contain('An0ther-Passw0rd');
    expect(JSON.parse(recent.find((e: { action: string }) => e.action === 'user.update').changes).password).to.deep.equal(['***', '***']);
  });

  it('keeps each result’s history (who changed 符合 to 不符合, when) and shows it in the workspace', async () => {
    const row = await ctx.db.knex('assessment_results').join('assessments', 'assessments.id', 'assessment_results.assessment_id')
      .where('assessments.organization_id', orgs.citybrain).whereIn('assessments.status', ['draft', 'in_progress', 'review']).where('assessment_results.object_key', 'system').whereNot('assessment_results.value', 'conform')
      .select('assessment_results.*').first();
    const put = (agent: Agent, value: string, rowVersion: number) => agent.put(`/api/v1/assessments/${row.assessment_id}/results/${row.code}`).send({ value, rowVersion, record: `记录 ${value}` }).expect(200);
    const first = await put(consultant, 'conform', Number(row.row_version));
    await put(officer, 'nonconform', first.body.rowVersion);
    const history = (await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&targetType=assessment_result&targetId=${row.id}`).expect(200)).body.data;
    expect(history.slice(0, 2).map((e: { actorName: string; changes: { value: string[] } }) => [e.actorName, e.changes.value])).to.deep.equal([
      ['officer', ['conform', 'nonconform']],
      ['consultant', [row.value, 'conform']],
    ]);
    // The workspace shows one control point per page: walk the layer's pages to the row.
    const layer = encodeURIComponent((await ctx.db.knex('catalogue_items').where({ code: row.code }).first())?.layer ?? '');
    let page = await officer.get(`/assessments/${row.assessment_id}?lang=zh-CN&layer=${layer}&cp=0`).expect(200);
    for (let cp = 1; !page.text.includes(`data-result="${row.id}"`) && cp < 40; cp++) page = await officer.get(`/assessments/${row.assessment_id}?lang=zh-CN&layer=${layer}&cp=${cp}`).expect(200);
    const block = page.text.slice(page.text.indexOf(`data-result="${row.id}"`));
    const panel = block.slice(block.indexOf('result-history'), block.indexOf('</details>', block.indexOf('result-history')));
    expect(panel).to.contain('officer').and.to.contain('<span class="from">符合</span> → <span class="to">不符合</span>');
  });

  it('records results changed by inheritance from the cloud platform in the same history', async () => {
    const inherited = await entries().where({ chain: orgs.citybrain, action: 'result.inherit', target_type: 'assessment_result' }).first();
    expect(JSON.parse(inherited.changes).value).to.deep.equal(['not_assessed', 'conform']);
  });

  it('keeps a deleted finding recoverable in the trail', async () => {
    const f = await ctx.db.knex('findings').join('assessments', 'assessments.id', 'findings.assessment_id')
      .where('findings.organization_id', orgs.citybrain).whereIn('assessments.status', ['draft', 'in_progress', 'review']).select('findings.*').first();
    await officer.delete(`/api/v1/findings/${f.id}`).expect(204);
    const e = await entries().where({ chain: orgs.citybrain, action: 'finding.delete', target_id: f.id }).first();
    const snapshot = JSON.parse(e.changes).deleted.finding;
    expect(snapshot).to.include({ id: f.id, title: f.title, risk: f.risk });
  });

  it('lets officers and auditors read their organisation’s trail and the audit administrator the platform’s; exports CSV and xlsx', async () => {
    await consultant.get(`/api/v1/audit?organizationId=${orgs.citybrain}`).expect(403);
    await officer2.get(`/api/v1/audit?organizationId=${orgs.citybrain}`).expect(404);
    await officer.get('/api/v1/audit').expect(403);
    await admin.get('/api/v1/audit').expect(403);
    const page = (await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&actor=officer&pageSize=5`).expect(200)).body;
    expect(page.data).to.have.length(5);
    expect(page.data.every((e: { actorName: string; organizationId: string }) => e.actorName === 'officer' && e.organizationId === orgs.citybrain)).to.equal(true);
    const dated = (await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&from=2000-01-01&to=2000-12-31`).expect(200)).body;
    expect(dated.total).to.equal(0);
    const platform = (await auditadmin.get('/api/v1/audit?action=auth.login_failed').expect(200)).body;
    expect(platform.total).to.be.greaterThan(5);

    const csv = await auditor.get(`/api/v1/audit/export.csv?organizationId=${orgs.citybrain}&action=result.change`).expect(200);
    expect(csv.headers['content-type']).to.contain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).to.contain('seq,at,actor');
    const total = (await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&action=result.change`)).body.total;
    expect(lines.length - 1).to.equal(total);
    const xlsx = await auditadmin.get('/api/v1/audit/export.xlsx').buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as never);
    const platformTotal = (await auditadmin.get('/api/v1/audit')).body.total;
    expect(wb.worksheets[0]!.rowCount - 1).to.be.at.least(platformTotal - 1);
    expect(wb.worksheets[0]!.getRow(1).getCell(7).value).to.equal('action');
    // The export itself is in the trail.
    await auditSettled();
    expect(await entries().where({ chain: orgs.citybrain, action: 'GET /api/v1/audit/export.csv', actor_name: 'auditor' }).first()).to.not.equal(undefined);
    const html = await officer.get('/audit').expect(200);
    expect(html.text).to.contain('result.change');
  });

  it('does not fork a chain under concurrent writers', async function () {
    this.timeout(60_000);
    const system = await ctx.db.knex('systems').where({ organization_id: orgs.citybrain }).first();
    // Request entries (after the response) and result-history entries (inside the services' transactions) at once.
    const rows = await ctx.db.knex('assessment_results').join('assessments', 'assessments.id', 'assessment_results.assessment_id')
      .where('assessments.organization_id', orgs.citybrain).whereIn('assessments.status', ['draft', 'in_progress', 'review']).select('assessment_results.*').limit(12);
    const before = await entries().where({ chain: orgs.citybrain, action: 'result.change' }).count({ n: '*' }).first();
    const answers = await Promise.all([
      ...Array.from({ length: 24 }, (_, i) => officer.patch(`/api/v1/systems/${system.id}`).send({ description: `并发 ${i}` })),
      ...rows.map((r: Record<string, any>, i: number) => (i % 2 ? officer : consultant).put(`/api/v1/assessments/${r.assessment_id}/results/${r.code}`).send({ objectId: r.object_key === 'system' ? undefined : r.object_key, value: 'partial', rowVersion: Number(r.row_version) })),
    ]);
    expect(answers.map((a) => a.status).filter((st) => st !== 200)).to.deep.equal([]);
    const after = await entries().where({ chain: orgs.citybrain, action: 'result.change' }).count({ n: '*' }).first();
    expect(Number(after?.n) - Number(before?.n)).to.equal(rows.length);
    await auditSettled();
    const seqs = (await entries().where({ chain: orgs.citybrain }).orderBy('seq').select('seq')).map((r: { seq: number }) => Number(r.seq));
    expect(seqs).to.deep.equal(seqs.map((_: number, i: number) => i + 1));
    const report = await verifyAuditTrail(ctx.db.knex);
    expect(report.problems).to.deep.equal([]);
  });

  it('refuses to change or delete an entry younger than 180 days, by database trigger and by purge', async () => {
    const e = await entries().orderBy('id').first();
    let failed = 0;
    await entries().where({ id: e.id }).update({ action: 'x' }).catch(() => failed++);
    await entries().where({ id: e.id }).delete().catch(() => failed++);
    expect(failed).to.equal(2);
    const env = { DATA_DIR: ctx.db.dataDir, DATABASE_URL: ctx.db.database.url };
    const refused = await runCli(['audit', 'purge', '--before', new Date().toISOString().slice(0, 10)], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain('180');
    const old = await runCli(['audit', 'purge', '--before', '2020-01-01'], env);
    expect(old.code, old.stderr).to.equal(0);
    expect(old.stdout).to.contain('Deleted 0');
  });

  it('`dengbao audit verify` passes on an intact trail and names a modified, an inserted and a deleted entry', async function () {
    this.timeout(60_000);
    const env = { DATA_DIR: ctx.db.dataDir, DATABASE_URL: ctx.db.database.url };
    await auditSettled();
    const ok = await runCli(['audit', 'verify'], env);
    expect(ok.code, ok.stderr + ok.stdout).to.equal(0);
    expect(ok.stdout).to.contain('Audit trail OK');
    expect(ok.stdout).to.match(new RegExp(`head ${orgs.citybrain} #\\d+ [0-9a-f]{64}`));

    // An owner of the database gets past the triggers.
    if (ctx.engine === 'postgres') await ctx.db.knex.raw('alter table audit_entries disable trigger audit_entries_guard');
    else {
      await ctx.db.knex.raw('drop trigger audit_entries_no_update');
      await ctx.db.knex.raw('drop trigger audit_entries_retention');
    }
    const chain = await entries().where({ chain: orgs.citybrain }).orderBy('seq');
    const modified = chain[3];
    const deleted = chain[7];
    await entries().where({ id: modified.id }).update({ changes: JSON.stringify({ value: ['conform', 'nonconform'] }) });
    await entries().where({ id: deleted.id }).delete();
    const last = chain[chain.length - 1];
    const { id: _id, ...copy } = last;
    await entries().insert({ ...copy, seq: Number(last.seq) + 1, action: 'result.change', prev_hash: last.hash });

    const bad = await runCli(['audit', 'verify'], env);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain(`chain ${orgs.citybrain} entry #${modified.seq} (id ${modified.id}): modified`);
    expect(bad.stderr).to.contain(`chain ${orgs.citybrain} entry #${deleted.seq}: deleted`);
    expect(bad.stderr).to.contain(`chain ${orgs.citybrain} entry #${Number(last.seq) + 1}`);
    expect(bad.stderr).to.match(new RegExp(`entry #${Number(last.seq) + 1} \\(id \\d+\\): inserted`));
    expect(bad.stdout).to.contain('NOT OK');
  });
});
