import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { sha256 } from '../../server/services/auth.js';
import { createTestApp, DEMO_PASSWORD, signIn } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

describeEachEngine('sign-in API', (ctx) => {
  let app: Express;
  before(async () => {
    app = await createTestApp(ctx.db);
  });

  it('GET /healthz reports status, engine and version', async () => {
    const res = await supertest(app).get('/healthz').expect(200);
    expect(res.body).to.deep.include({ status: 'ok', database: ctx.engine, version: '0.1.0' });
    expect(res.body.catalogue).to.deep.include({ items: 858, highRiskCases: 81 });
    expect(res.body.catalogue.version).to.match(/^\d{4}\.\d+\.\d+\+[0-9a-f]{12}$/);
  });

  it('logs in with an httpOnly, SameSite=Lax cookie and shows the caller on /me', async () => {
    const agent = supertest.agent(app);
    const login = await agent.post('/api/v1/auth/login').send({ username: 'officer', password: DEMO_PASSWORD }).expect(200);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).to.match(/dengbao_session=/);
    expect(cookie).to.match(/HttpOnly/);
    expect(cookie).to.match(/SameSite=Lax/);
    const me = await agent.get('/api/v1/me').expect(200);
    expect(me.body.user.username).to.equal('officer');
    expect(me.body.roles).to.deep.equal(['officer']);
    expect(me.body.memberships).to.have.length(1);
    expect(me.body.memberships[0]).to.include({ role: 'officer', organizationName: '示例市城市大脑运营中心' });
  });

  it('logs out: the same cookie no longer works', async () => {
    const agent = await signIn(app, 'consultant');
    await agent.get('/api/v1/me').expect(200);
    await agent.post('/api/v1/auth/logout').expect(204);
    const res = await agent.get('/api/v1/me').expect(401);
    expect(res.body.error.code).to.equal('unauthenticated');
  });

  it('expires an idle session with 401 session_expired', async () => {
    const agent = await signIn(app, 'officer2');
    await ctx.db.knex('sessions').update({ last_seen_at: new Date(Date.now() - 60 * 60_000).toISOString() });
    const res = await agent.get('/api/v1/me').expect(401);
    expect(res.body.error.code).to.equal('session_expired');
  });

  it('rejects a wrong password with 401 and creates no session', async () => {
    const before = await ctx.db.knex('sessions').count({ n: '*' }).first();
    const res = await supertest(app).post('/api/v1/auth/login?lang=en').send({ username: 'officer', password: 'nope' }).expect(401);
    expect(res.body).to.deep.equal({ error: { code: 'invalid_credentials', message: 'Wrong username or password', details: [] } });
    expect(res.headers['set-cookie']).to.equal(undefined);
    const after = await ctx.db.knex('sessions').count({ n: '*' }).first();
    expect(Number(after?.n)).to.equal(Number(before?.n));
  });

  it('ignores a forged (unsigned) session cookie', async () => {
    const res = await supertest(app).get('/api/v1/me').set('Cookie', 'dengbao_session=forged').expect(401);
    expect(res.body.error.code).to.equal('unauthenticated');
  });

  describe('API tokens', () => {
    it('returns the token once, authenticates with it, and revokes it', async () => {
      const agent = await signIn(app, 'consultant');
      const created = await agent.post('/api/v1/tokens').send({ name: 'ci script', expiresInDays: 30 }).expect(201);
      const token: string = created.body.token;
      expect(token).to.match(/^dbt_/);
      const stored = await ctx.db.knex('api_tokens').where({ id: created.body.id }).first();
      expect(stored.token_hash).to.equal(sha256(token));
      expect(JSON.stringify(stored)).not.to.contain(token);

      const me = await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body).to.deep.include({ authenticatedVia: 'token' });
      expect(me.body.user.username).to.equal('consultant');

      const list = await agent.get('/api/v1/tokens').expect(200);
      expect(list.body.data.map((t: { id: string }) => t.id)).to.include(created.body.id);
      expect(JSON.stringify(list.body)).not.to.contain(token);
      expect(list.body.data[0].lastUsedAt).to.be.a('string');
      // Recorded to the minute: more reads within it write nothing; a read a minute later moves it.
      const first = (await ctx.db.knex('api_tokens').where({ id: created.body.id }).first()).last_used_at;
      const writes: string[] = [];
      const onQuery = (q: { sql: string }) => void (/^update .api_tokens./i.test(q.sql) && writes.push(q.sql));
      ctx.db.knex.on('query', onQuery);
      try {
        for (let i = 0; i < 3; i++) await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
      } finally {
        ctx.db.knex.off('query', onQuery);
      }
      expect(writes).to.deep.equal([]);
      const earlier = new Date(Date.parse(first) - 120_000).toISOString();
      await ctx.db.knex('api_tokens').where({ id: created.body.id }).update({ last_used_at: earlier });
      await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect((await ctx.db.knex('api_tokens').where({ id: created.body.id }).first()).last_used_at > first).to.equal(true);

      await agent.delete(`/api/v1/tokens/${created.body.id}`).expect(204);
      const after = await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
      expect(after.body.error.code).to.equal('invalid_token');
    });

    it('rejects an unknown or expired token with 401 invalid_token', async () => {
      const unknown = await supertest(app).get('/api/v1/me').set('Authorization', 'Bearer dbt_nope').expect(401);
      expect(unknown.body.error.code).to.equal('invalid_token');
      const agent = await signIn(app, 'officer');
      const created = await agent.post('/api/v1/tokens').send({ name: 'short-lived' }).expect(201);
      await ctx.db.knex('api_tokens').where({ id: created.body.id }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
      const expired = await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${created.body.token}`).expect(401);
      expect(expired.body.error.code).to.equal('invalid_token');
    });

    it("cannot revoke someone else's token (404)", async () => {
      const officer = await signIn(app, 'officer');
      const created = await officer.post('/api/v1/tokens').send({ name: 'mine' }).expect(201);
      const other = await signIn(app, 'auditor');
      await other.delete(`/api/v1/tokens/${created.body.id}`).expect(404);
      expect((await ctx.db.knex('api_tokens').where({ id: created.body.id }).first()).revoked_at).to.equal(null);
    });
  });
});
