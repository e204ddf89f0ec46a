import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { createTestApp, DEMO_PASSWORD, demoOrganizations, signIn, testConfig } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

// Issue 13, defect 9: API tokens survived a password reset and never expired by default.
describeEachEngine('API tokens and sessions end with the password', (ctx) => {
  let app: Express;
  let citybrain: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  before(async () => {
    const base = testConfig(ctx.db);
    app = await createTestApp(ctx.db, { identity: { ...base.identity, tokenDefaultDays: 30, tokenMaxDays: 180 } });
    citybrain = (await demoOrganizations(ctx.db)).citybrain;
  });

  it("an administrator's password reset revokes the user's API tokens and ends its sessions", async () => {
    const consultant = await signIn(app, 'consultant');
    const token = (await consultant.post('/api/v1/tokens').send({ name: 'ci' }).expect(201)).body.token as string;
    await supertest(app).get('/api/v1/me').set(bearer(token)).expect(200);
    const admin = await signIn(app, 'admin');
    const user = (await admin.get('/api/v1/users').expect(200)).body.data.find((u: { username: string }) => u.username === 'consultant');
    await admin.patch(`/api/v1/users/${user.id}`).send({ password: 'Reset#Passw0rd-1' }).expect(200);
    expect((await supertest(app).get('/api/v1/me').set(bearer(token)).expect(401)).body.error.code).to.equal('invalid_token');
    expect((await consultant.get('/api/v1/me').expect(401)).body.error.code).to.equal('session_expired');
    expect((await ctx.db.knex('api_tokens').where({ user_id: user.id })).every((t) => t.revoked_at)).to.equal(true);
  });

  it('a self-service password change ends every token and every other session; this one stays', async () => {
    const here = await signIn(app, 'officer2');
    const elsewhere = await signIn(app, 'officer2');
    const token = (await here.post('/api/v1/tokens').send({ name: 'script', scope: 'read_write' }).expect(201)).body.token as string;
    await here.post('/api/v1/me/password').send({ currentPassword: DEMO_PASSWORD, newPassword: 'Neues#Passw0rt-2' }).expect(204);
    await here.get('/api/v1/me').expect(200);
    expect((await elsewhere.get('/api/v1/me').expect(401)).body.error.code).to.equal('session_expired');
    await supertest(app).get('/api/v1/me').set(bearer(token)).expect(401);
    await supertest(app).post('/api/v1/auth/login').send({ username: 'officer2', password: DEMO_PASSWORD }).expect(401);
    await signIn(app, 'officer2', 'Neues#Passw0rt-2');
  });

  it('every token expires: API_TOKEN_DEFAULT_DAYS when not given, at most API_TOKEN_MAX_DAYS', async () => {
    const officer = await signIn(app, 'officer');
    const t = (await officer.post('/api/v1/tokens').send({ name: 'default' }).expect(201)).body;
    const days = (Date.parse(t.expiresAt) - Date.now()) / 86_400_000;
    expect(days).to.be.within(29.9, 30.01);
    const tooLong = await officer.post('/api/v1/tokens').send({ name: 'forever', expiresInDays: 181 }).expect(400);
    expect(tooLong.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['expiresInDays']);
    await officer.post('/api/v1/tokens').send({ name: 'long', expiresInDays: 180 }).expect(201);
  });

  it('a read-only token reads and gets 403 on every write; a read-write token writes', async () => {
    const officer = await signIn(app, 'officer');
    const ro = (await officer.post('/api/v1/tokens').send({ name: 'reader', scope: 'read_only' }).expect(201)).body;
    expect(ro.scope).to.equal('read_only');
    await supertest(app).get(`/api/v1/organizations/${citybrain}`).set(bearer(ro.token)).expect(200);
    for (const [method, path, body] of [
      ['patch', `/api/v1/organizations/${citybrain}`, { address: 'changed by a read-only token' }],
      ['post', '/api/v1/tokens', { name: 'escalate' }],
      ['delete', `/api/v1/tokens/${ro.id}`, undefined],
    ] as const) {
      const res = await supertest(app)[method](path).set(bearer(ro.token)).send(body as object);
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(res.body.error.code).to.equal('token_read_only');
    }
    expect((await ctx.db.knex('organizations').where({ id: citybrain }).first()).address).not.to.equal('changed by a read-only token');
    const rw = (await officer.post('/api/v1/tokens').send({ name: 'writer', scope: 'read_write' }).expect(201)).body;
    await supertest(app).patch(`/api/v1/organizations/${citybrain}`).set(bearer(rw.token)).send({ address: 'changed by a read-write token' }).expect(200);
  });

  it("lists one's own sessions (this one marked) and ends one; another user's session is 404", async () => {
    const a = await signIn(app, 'auditor');
    const b = await signIn(app, 'auditor');
    const list = (await a.get('/api/v1/me/sessions').expect(200)).body.data as Array<{ id: string; current: boolean; ip: string }>;
    expect(list).to.have.length(2);
    expect(list.filter((s) => s.current)).to.have.length(1);
    const other = list.find((s) => !s.current)!;
    const stranger = await signIn(app, 'officer');
    await stranger.delete(`/api/v1/me/sessions/${other.id}`).expect(404);
    await b.get('/api/v1/me').expect(200);
    await a.delete(`/api/v1/me/sessions/${other.id}`).expect(204);
    expect((await b.get('/api/v1/me').expect(401)).body.error.code).to.equal('session_expired');
    await a.get('/api/v1/me').expect(200);
  });
});
