import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { auditSettled } from '../../server/audit/middleware.js';

const platformBody = (organizationId: string | null, extra: Record<string, unknown> = {}) => ({
  ...(organizationId ? { organizationId } : {}),
  provider: '示例云',
  product: `私有云 ${Math.random().toString(36).slice(2, 8)}`,
  level: 3,
  reportNumber: 'P-26-0001-01',
  assessingOrganization: '测评机构',
  conclusion: '符合',
  testDate: '2026-09-01',
  ...extra,
});

describeEachEngine('三权分立: platform roles and organisation data', (ctx) => {
  let app: Express;
  let orgs: { citybrain: string; bank: string };
  let admin: Agent, secadmin: Agent, auditadmin: Agent, officer: Agent, officer2: Agent, consultant: Agent;
  let systemId: string;
  let evidenceId: string;
  const userId = async (username: string) => (await ctx.db.knex('users').where({ username }).first()).id as string;

  before(async () => {
    app = await createTestApp(ctx.db);
    orgs = await demoOrganizations(ctx.db);
    [admin, secadmin, auditadmin, officer, officer2, consultant] = await Promise.all(['admin', 'secadmin', 'auditadmin', 'officer', 'officer2', 'consultant'].map((u) => signIn(app, u))) as [Agent, Agent, Agent, Agent, Agent, Agent];
    systemId = (await ctx.db.knex('systems').where({ organization_id: orgs.citybrain }).first()).id;
    evidenceId = (await ctx.db.knex('evidence').where({ organization_id: orgs.citybrain }).first()).id;
  });

  it('defect 3: the system administrator cannot make itself an officer, read evidence or force a transition', async () => {
    // Before: 201, then the evidence downloaded and a forced transition answered the full record.
    await admin.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'admin', role: 'officer' }).expect(404);
    await admin.get(`/api/v1/evidence/${evidenceId}/download`).expect(404);
    await admin.get(`/api/v1/systems/${systemId}`).expect(404);
    const forced = await admin.post(`/api/v1/systems/${systemId}/transitions`).send({ to: 'grading', force: true, reason: 'forced by the platform' });
    expect(forced.status).to.equal(404);
    expect(JSON.stringify(forced.body)).not.to.contain('城市');
    expect((await ctx.db.knex('memberships').where({ user_id: await userId('admin') })).length).to.equal(0);
  });

  it('a membership for an administrator stays pending until an officer accepts it, and is in the audit trail', async () => {
    const proposed = await secadmin.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'secadmin', role: 'auditor' }).expect(201);
    expect(proposed.body).to.include({ status: 'pending', administrator: true });
    await secadmin.get(`/api/v1/systems/${systemId}`).expect(404);
    await secadmin.get(`/api/v1/evidence/${evidenceId}/download`).expect(404);
    // Only an officer of that organisation decides: not the administrator, not another organisation's officer.
    await secadmin.post(`/api/v1/organizations/${orgs.citybrain}/members/${proposed.body.id}/accept`).expect(404);
    await officer2.post(`/api/v1/organizations/${orgs.citybrain}/members/${proposed.body.id}/accept`).expect(404);
    await consultant.post(`/api/v1/organizations/${orgs.citybrain}/members/${proposed.body.id}/accept`).expect(403);
    const accepted = await officer.post(`/api/v1/organizations/${orgs.citybrain}/members/${proposed.body.id}/accept`).expect(200);
    expect(accepted.body.status).to.equal('active');
    await secadmin.get(`/api/v1/systems/${systemId}`).expect(200);
    await officer.delete(`/api/v1/organizations/${orgs.citybrain}/members/${proposed.body.id}`).expect(204);
    await secadmin.get(`/api/v1/systems/${systemId}`).expect(404);
    await auditSettled();
    const trail = await officer.get(`/api/v1/audit?organizationId=${orgs.citybrain}&targetId=${proposed.body.id}`).expect(200);
    expect(trail.body.data.map((e: { action: string }) => e.action).reverse()).to.deep.equal(['membership.propose', 'membership.accept', 'membership.remove']);
    expect(trail.body.data.find((e: { action: string }) => e.action === 'membership.accept').actorName).to.equal('officer');
  });

  it('an officer declines a proposal; an officer adding a non-administrator is active at once', async () => {
    const p = await secadmin.post(`/api/v1/organizations/${orgs.bank}/members`).send({ username: 'consultant', role: 'auditor' }).expect(201);
    expect(p.body.status).to.equal('pending');
    await officer2.post(`/api/v1/organizations/${orgs.bank}/members/${p.body.id}/decline`).expect(204);
    await consultant.get(`/api/v1/organizations/${orgs.bank}`).expect(404);
    const direct = await officer2.post(`/api/v1/organizations/${orgs.bank}/members`).send({ username: 'consultant', role: 'auditor' }).expect(201);
    expect(direct.body.status).to.equal('active');
    await officer2.post(`/api/v1/organizations/${orgs.bank}/members/${direct.body.id}/accept`).expect(409);
    await officer2.delete(`/api/v1/organizations/${orgs.bank}/members/${direct.body.id}`).expect(204);
  });

  it('gives each platform role its own powers and nothing else', async () => {
    // system_admin: users and organisations; no roles, no unlock, no audit trail.
    await admin.post('/api/v1/users').send({ username: 'sod-user', displayName: 'S', password: 'Str0ng-Passw0rd' }).expect(201);
    const target = await userId('sod-user');
    await admin.put(`/api/v1/users/${target}/roles`).send({ roles: ['audit_admin'] }).expect(403);
    await admin.post(`/api/v1/users/${target}/unlock`).expect(403);
    await admin.get('/api/v1/audit').expect(403);
    // security_admin: roles and unlocks; no users, no organisations.
    await secadmin.post('/api/v1/users').send({ username: 'sod-x', displayName: 'S', password: 'Str0ng-Passw0rd' }).expect(403);
    await secadmin.post('/api/v1/organizations').send({ name: 'SoD Org' }).expect(403);
    await secadmin.get('/api/v1/audit').expect(403);
    await secadmin.post(`/api/v1/users/${target}/unlock`).expect(200);
    // audit_admin: reads the platform trail, nothing else.
    await auditadmin.get('/api/v1/audit').expect(200);
    await auditadmin.get('/api/v1/users').expect(403);
    await auditadmin.post('/api/v1/organizations').send({ name: 'SoD Org' }).expect(403);
    expect((await auditadmin.get('/api/v1/organizations').expect(200)).body.data).to.deep.equal([]);
    await auditadmin.get(`/api/v1/audit?organizationId=${orgs.citybrain}`).expect(404);
    const me = await auditadmin.get('/api/v1/me').expect(200);
    expect(me.body.user.platformRoles).to.deep.equal(['audit_admin']);
  });

  it('one account holds at most one platform role; the last system and security administrators keep theirs', async () => {
    const target = await userId('sod-user');
    const two = await secadmin.put(`/api/v1/users/${target}/roles?lang=en`).send({ roles: ['system_admin', 'audit_admin'] }).expect(409);
    expect(two.body.error.message).to.contain('at most one platform role');
    await secadmin.put(`/api/v1/users/${target}/roles`).send({ roles: ['audit_admin'] }).expect(200);
    const last = await secadmin.put(`/api/v1/users/${await userId('secadmin')}/roles?lang=en`).send({ roles: [] }).expect(409);
    expect(last.body.error.message).to.contain('last');
    await secadmin.put(`/api/v1/users/${await userId('admin')}/roles`).send({ roles: [] }).expect(409);
    // Disabling the last security administrator is refused too.
    await admin.patch(`/api/v1/users/${await userId('secadmin')}`).send({ disabled: true }).expect(409);
    await secadmin.put(`/api/v1/users/${target}/roles`).send({ roles: [] }).expect(200);
  });

  it('ALLOW_COMBINED_ADMIN_ROLES=1 lets one account hold several roles', async () => {
    const combinedApp = await createTestApp(ctx.db, { allowCombinedAdminRoles: true });
    const sec = await signIn(combinedApp, 'secadmin');
    const res = await sec.put(`/api/v1/users/${await userId('sod-user')}/roles`).send({ roles: ['system_admin', 'security_admin'] }).expect(200);
    expect(res.body.roles).to.deep.equal(['security_admin', 'system_admin']);
    await sec.put(`/api/v1/users/${await userId('sod-user')}/roles`).send({ roles: [] }).expect(200);
  });

  it('a member who becomes an administrator needs an officer to accept the membership again', async () => {
    const auditor = await userId('auditor');
    await secadmin.put(`/api/v1/users/${auditor}/roles`).send({ roles: ['audit_admin'] }).expect(200);
    const agent = await signIn(app, 'auditor');
    await agent.get(`/api/v1/systems/${systemId}`).expect(404);
    const members = (await officer.get(`/api/v1/organizations/${orgs.citybrain}/members`).expect(200)).body.data;
    const m = members.find((x: { username: string }) => x.username === 'auditor');
    expect(m).to.include({ status: 'pending', administrator: true });
    await officer.post(`/api/v1/organizations/${orgs.citybrain}/members/${m.id}/accept`).expect(200);
    await agent.get(`/api/v1/systems/${systemId}`).expect(200);
    await secadmin.put(`/api/v1/users/${auditor}/roles`).send({ roles: [] }).expect(200);
  });

  it('defect 7: only a system administrator publishes a platform; officers get 403 on create and update', async () => {
    // Before: 201 and the platform appeared in every organisation's list.
    await officer.post('/api/v1/platforms').send(platformBody(orgs.citybrain, { published: true })).expect(403);
    const own = (await officer.post('/api/v1/platforms').send(platformBody(orgs.citybrain)).expect(201)).body;
    await officer.patch(`/api/v1/platforms/${own.id}`).send({ published: true }).expect(403);
    expect((await officer2.get('/api/v1/platforms')).body.data.map((p: { id: string }) => p.id)).not.to.include(own.id);
    await officer.patch(`/api/v1/platforms/${own.id}`).send({ level: 4 }).expect(200);
    // The system administrator publishes shared platforms; it never sees a private one.
    await admin.get(`/api/v1/platforms/${own.id}`).expect(404);
    const shared = (await admin.post('/api/v1/platforms').send(platformBody(null, { published: true })).expect(201)).body;
    expect((await officer2.get('/api/v1/platforms')).body.data.map((p: { id: string }) => p.id)).to.include(shared.id);
    await officer.patch(`/api/v1/platforms/${shared.id}`).send({ level: 4 }).expect(403);
    await secadmin.post('/api/v1/platforms').send(platformBody(null, { published: true })).expect(403);
  });

  it('the admin page offers each role its own forms', async () => {
    const page = async (agent: Agent) => (await agent.get('/admin').expect(200)).text;
    const sys = await page(admin);
    expect(sys).to.contain('action="/admin/users"');
    expect(sys).to.contain('action="/admin/organizations"');
    expect(sys).not.to.contain('/roles"');
    const sec = await page(secadmin);
    expect(sec).to.contain('/roles"');
    expect(sec).not.to.contain('action="/admin/users"');
    expect(sec).not.to.contain('action="/admin/organizations"');
    const off = await page(officer);
    expect(off).not.to.contain('/roles"');
    expect(off).to.contain(`/admin/organizations/${orgs.citybrain}/members`);
    expect(off).not.to.contain(orgs.bank);
    await auditadmin.get('/admin').expect(403);
    expect((await auditadmin.get('/audit').expect(200)).text).to.contain('<table');
  });
});
