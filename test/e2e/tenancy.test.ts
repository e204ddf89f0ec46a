import { expect } from 'chai';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

describeEachEngine('tenancy API', (ctx) => {
  let app: Express;
  let orgs: { citybrain: string; bank: string };
  let admin: Agent, secadmin: Agent, officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  before(async () => {
    app = await createTestApp(ctx.db);
    orgs = await demoOrganizations(ctx.db);
    admin = await signIn(app, 'admin');
    secadmin = await signIn(app, 'secadmin');
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
  });

  it('lists only the caller’s organisations; admins see all', async () => {
    const mine = await consultant.get('/api/v1/organizations').expect(200);
    expect(mine.body.data.map((o: { id: string }) => o.id)).to.deep.equal([orgs.citybrain]);
    expect(mine.body.data[0].role).to.equal('consultant');
    const all = await admin.get('/api/v1/organizations').expect(200);
    expect(all.body.data.map((o: { id: string }) => o.id)).to.have.members([orgs.citybrain, orgs.bank]);
  });

  it('answers 404 for another organisation, exactly as for one that does not exist', async () => {
    const other = await consultant.get(`/api/v1/organizations/${orgs.bank}?lang=en`).expect(404);
    const missing = await consultant.get(`/api/v1/organizations/${randomUUID()}?lang=en`).expect(404);
    expect(other.body).to.deep.equal(missing.body);
    expect(JSON.stringify(other.body)).not.to.contain('示例商业银行');
    await consultant.get(`/api/v1/organizations/${orgs.bank}/members`).expect(404);
    await officer2.get(`/api/v1/organizations/${orgs.citybrain}`).expect(404);
    // Even a write to another organisation is 404, not 403.
    await officer2.patch(`/api/v1/organizations/${orgs.citybrain}`).send({ address: 'x' }).expect(404);
  });

  it('refuses an auditor’s writes with 403 and changes nothing', async () => {
    const before = await ctx.db.knex('organizations').where({ id: orgs.citybrain }).first();
    const res = await auditor.patch(`/api/v1/organizations/${orgs.citybrain}`).send({ address: 'Elsewhere' }).expect(403);
    expect(res.body.error.code).to.equal('forbidden');
    await auditor.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'officer2', role: 'auditor' }).expect(403);
    await auditor.post('/api/v1/organizations').send({ name: 'Auditor Org' }).expect(403);
    expect(await ctx.db.knex('organizations').where({ id: orgs.citybrain }).first()).to.deep.equal(before);
  });

  it('lets members read the member list, and only officers and admins manage it', async () => {
    const list = await auditor.get(`/api/v1/organizations/${orgs.citybrain}/members`).expect(200);
    expect(list.body.data.map((m: { username: string }) => m.username)).to.deep.equal(['auditor', 'consultant', 'officer']);
    await consultant.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'officer2', role: 'auditor' }).expect(403);

    const added = await officer.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'officer2', role: 'auditor' }).expect(201);
    expect(added.body).to.include({ username: 'officer2', role: 'auditor' });
    const dup = await officer.post(`/api/v1/organizations/${orgs.citybrain}/members`).send({ username: 'officer2', role: 'consultant' }).expect(409);
    expect(dup.body.error.code).to.equal('unique_violation');

    // The new membership takes effect on the member's next request.
    await officer2.get(`/api/v1/organizations/${orgs.citybrain}`).expect(200);
    await officer2.patch(`/api/v1/organizations/${orgs.citybrain}`).send({ address: 'x' }).expect(403);

    const changed = await secadmin.patch(`/api/v1/organizations/${orgs.citybrain}/members/${added.body.id}`).send({ role: 'consultant' }).expect(200);
    expect(changed.body.role).to.equal('consultant');
    await officer.delete(`/api/v1/organizations/${orgs.citybrain}/members/${added.body.id}`).expect(204);
    await officer2.get(`/api/v1/organizations/${orgs.citybrain}`).expect(404);
  });

  it('keeps at least one officer (409)', async () => {
    const list = await officer.get(`/api/v1/organizations/${orgs.citybrain}/members`).expect(200);
    const self = list.body.data.find((m: { username: string }) => m.username === 'officer');
    const res = await officer.delete(`/api/v1/organizations/${orgs.citybrain}/members/${self.id}?lang=en`).expect(409);
    expect(res.body.error.message).to.equal('An organisation must keep at least one officer');
    await officer.patch(`/api/v1/organizations/${orgs.citybrain}/members/${self.id}`).send({ role: 'auditor' }).expect(409);
  });

  it('lets an admin create organisations and users; a duplicate name is 409', async () => {
    const org = await admin.post('/api/v1/organizations').send({ name: '测试单位', nameEn: 'Test Unit', creditCode: '91110000MA01ABCD2X' }).expect(201);
    expect(org.body).to.include({ name: '测试单位', role: null });
    const dup = await admin.post('/api/v1/organizations?lang=en').send({ name: '测试单位' }).expect(409);
    expect(dup.body.error).to.include({ code: 'unique_violation' });
    expect(dup.body.error.message).to.contain('name');

    const user = await admin.post('/api/v1/users').send({ username: 'newbie', displayName: 'New Bie', password: 'Str0ng-Passw0rd' }).expect(201);
    expect(user.body).to.include({ username: 'newbie', isAdmin: false });
    expect(user.body).not.to.have.property('passwordHash');
    // The first officer of a new organisation comes from the security administrator (the system administrator cannot).
    await admin.post(`/api/v1/organizations/${org.body.id}/members`).send({ username: 'newbie', role: 'officer' }).expect(404);
    await secadmin.post(`/api/v1/organizations/${org.body.id}/members`).send({ username: 'newbie', role: 'officer' }).expect(201);
    const newbie = await signIn(app, 'newbie', 'Str0ng-Passw0rd');
    const me = await newbie.get('/api/v1/me').expect(200);
    expect(me.body.memberships).to.deep.equal([{ organizationId: org.body.id, organizationName: '测试单位', role: 'officer' }]);
    await officer.get('/api/v1/users').expect(403);
  });

  it('requires sign-in for every API route but health', async () => {
    const { default: supertest } = await import('supertest');
    for (const path of ['/api/v1/me', '/api/v1/organizations', '/api/v1/tokens', '/api/v1/users']) {
      const res = await supertest(app).get(path).expect(401);
      expect(res.body.error.code).to.equal('unauthenticated');
    }
  });
});
