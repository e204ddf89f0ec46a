import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { createTestApp, DEMO_PASSWORD, demoOrganizations, signIn } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

// Issue 13, defect 15 (identity part).
describeEachEngine('sessions, cross-site writes, password change, last administrator', (ctx) => {
  let app: Express;
  let citybrain: string;
  before(async () => {
    app = await createTestApp(ctx.db, { sessionIdleMinutes: 1 });
    citybrain = (await demoOrganizations(ctx.db)).citybrain;
  });

  /** Moves every session's idle clock back, as if `seconds` had passed. */
  async function elapse(seconds: number): Promise<void> {
    for (const s of await ctx.db.knex('sessions').select('id', 'last_seen_at')) {
      await ctx.db.knex('sessions').where({ id: s.id }).update({ last_seen_at: new Date(Date.parse(s.last_seen_at) - seconds * 1000).toISOString() });
    }
  }

  it('an active session survives SESSION_IDLE_MINUTES=1: each request refreshes the idle timer', async () => {
    const agent = await signIn(app, 'consultant');
    await elapse(40);
    await agent.get('/api/v1/me').expect(200);
    await elapse(30); // 70 s after sign-in, 30 s after the last request
    await agent.get('/api/v1/me').expect(200);
    await elapse(61); // now really idle
    expect((await agent.get('/api/v1/me').expect(401)).body.error.code).to.equal('session_expired');
  });

  it('refuses cookie-authenticated writes from another site (Origin or Sec-Fetch-Site); tokens are unaffected', async () => {
    const officer = await signIn(app, 'officer');
    const before = (await ctx.db.knex('organizations').where({ id: citybrain }).first()).address;
    const patch = () => officer.patch(`/api/v1/organizations/${citybrain}`).set('Host', 'dengbao.test').send({ address: 'written from evil.example' });
    for (const res of [
      await patch().set('Origin', 'https://evil.example'),
      await patch().set('Origin', 'null'),
      await patch().set('Sec-Fetch-Site', 'cross-site'),
      await patch().set('Sec-Fetch-Site', 'same-site').set('Origin', 'https://sub.dengbao.test'),
    ]) {
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('cross_site_request');
    }
    expect((await ctx.db.knex('organizations').where({ id: citybrain }).first()).address).to.equal(before);
    // The same site (browser headers), and clients that send neither header, still write.
    await patch().set('Origin', 'http://dengbao.test').expect(200);
    await patch().set('Sec-Fetch-Site', 'same-origin').set('Origin', 'http://dengbao.test').expect(200);
    await officer.patch(`/api/v1/organizations/${citybrain}`).send({ address: before ?? 'x' }).expect(200);
    // Reads are not affected; a token is not a cookie: the browser cannot send it cross-site.
    await officer.get(`/api/v1/organizations/${citybrain}`).set('Origin', 'https://evil.example').expect(200);
    const token = (await officer.post('/api/v1/tokens').send({ name: 'script' }).expect(201)).body.token;
    await supertest(app).patch(`/api/v1/organizations/${citybrain}`).set('Authorization', `Bearer ${token}`).set('Origin', 'https://evil.example').send({ address: before ?? 'x' }).expect(200);
  });

  it('lets a user change their own password: the current one is required, the policy and history apply', async () => {
    const agent = await signIn(app, 'auditor');
    const wrong = await agent.post('/api/v1/me/password?lang=en').send({ currentPassword: 'not-it', newPassword: 'Another#Passw0rd' }).expect(400);
    expect(wrong.body.error).to.include({ code: 'wrong_password', message: 'The current password is wrong' });
    const weak = await agent.post('/api/v1/me/password').send({ currentPassword: DEMO_PASSWORD, newPassword: 'short' }).expect(400);
    expect(weak.body.error.details.map((d: { path: string; code: string }) => `${d.path}:${d.code}`)).to.include.members(['newPassword:password_too_short', 'newPassword:password_too_simple']);
    const same = await agent.post('/api/v1/me/password').send({ currentPassword: DEMO_PASSWORD, newPassword: DEMO_PASSWORD }).expect(400);
    expect(same.body.error.details[0]).to.include({ path: 'newPassword', code: 'password_reused' });
    await agent.post('/api/v1/me/password').send({ currentPassword: DEMO_PASSWORD, newPassword: 'First#Change-01' }).expect(204);
    const back = await agent.post('/api/v1/me/password').send({ currentPassword: 'First#Change-01', newPassword: DEMO_PASSWORD }).expect(400);
    expect(back.body.error.details[0].code).to.equal('password_reused');
    await agent.post('/api/v1/me/password').send({ currentPassword: 'First#Change-01', newPassword: 'Second#Change-02' }).expect(204);
    expect(await ctx.db.knex('password_history').join('users', 'users.id', 'password_history.user_id').where('users.username', 'auditor')).to.have.length(2);
    await signIn(app, 'auditor', 'Second#Change-02');
  });

  it('refuses to disable the last system administrator or to take the last security administrator\'s role (409, translated)', async () => {
    const admin = await signIn(app, 'admin');
    const secadmin = await signIn(app, 'secadmin');
    const me = (await admin.get('/api/v1/me').expect(200)).body.user;
    const sec = (await secadmin.get('/api/v1/me').expect(200)).body.user;
    const zh = await admin.patch(`/api/v1/users/${me.id}`).send({ disabled: true }).expect(409);
    expect(zh.body.error).to.include({ code: 'conflict', reason: 'last_role_holder', message: '不能撤销最后一名系统管理员或最后一名安全管理员的角色' });
    const en = await secadmin.put(`/api/v1/users/${sec.id}/roles?lang=en`).send({ roles: [] }).expect(409);
    expect(en.body.error.message).to.equal('The last system administrator and the last security administrator cannot lose their role');
    expect(await ctx.db.knex('platform_roles').where({ user_id: me.id, role: 'system_admin' })).to.have.length(1);
    // With a second system administrator, the first may step down; two at once: one is refused.
    const second = (await admin.post('/api/v1/users').send({ username: 'admin2', displayName: 'Second admin', password: 'Adm1n#Second-2026' }).expect(201)).body;
    await secadmin.put(`/api/v1/users/${second.id}/roles`).send({ roles: ['system_admin'] }).expect(200);
    const [a, b] = await Promise.all([secadmin.put(`/api/v1/users/${me.id}/roles`).send({ roles: [] }), secadmin.put(`/api/v1/users/${second.id}/roles`).send({ roles: [] })]);
    expect([a.status, b.status].filter((st) => st === 200), `${a.status} ${b.status}`).to.have.length(1);
    expect(await ctx.db.knex('platform_roles').where({ role: 'system_admin' })).to.have.length(1);
  });
});
