import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

describeEachEngine('bad input', (ctx) => {
  let app: Express;
  let admin: Agent;
  let officer: Agent;
  let citybrain: string;
  before(async () => {
    app = await createTestApp(ctx.db);
    admin = await signIn(app, 'admin');
    officer = await signIn(app, 'officer');
    citybrain = (await demoOrganizations(ctx.db)).citybrain;
  });

  const shape = (body: any) => {
    expect(body).to.have.all.keys('error');
    expect(body.error).to.include.all.keys('code', 'message', 'details');
    expect(body.error.details).to.be.an('array');
  };

  it('unknown routes answer 404 in the error shape', async () => {
    const res = await supertest(app).get('/api/v1/nothing-here?lang=en').expect(404);
    shape(res.body);
    expect(res.body.error).to.deep.include({ code: 'route_not_found', message: 'No route GET /api/v1/nothing-here' });
    shape((await supertest(app).get('/nope').expect(404)).body);
  });

  it('malformed JSON is 400 invalid_json', async () => {
    const res = await supertest(app).post('/api/v1/auth/login').set('content-type', 'application/json').send('{"username": ').expect(400);
    shape(res.body);
    expect(res.body.error.code).to.equal('invalid_json');
  });

  it('wrong types, unknown fields and over-long strings name each field', async () => {
    const res = await supertest(app)
      .post('/api/v1/auth/login?lang=en')
      .send({ username: 42, password: 'x'.repeat(201), remember: true })
      .expect(400);
    shape(res.body);
    expect(res.body.error.code).to.equal('validation_failed');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).to.have.members(['username', 'password', 'remember']);
    expect(res.body.error.message).to.contain('username');
  });

  it('validation messages follow the language', async () => {
    const zh = await supertest(app).post('/api/v1/auth/login').send({ username: 'a' }).expect(400);
    expect(zh.body.error.message).to.match(/^请求参数无效/);
    const en = await supertest(app).post('/api/v1/auth/login').set('Accept-Language', 'en-GB,en;q=0.8').send({ username: 'a' }).expect(400);
    expect(en.body.error.message).to.match(/^The request is invalid: password/);
    const cookie = await supertest(app).post('/api/v1/auth/login').set('Cookie', 'lang=en').send({ username: 'a' }).expect(400);
    expect(cookie.body.error.message).to.match(/^The request is invalid/);
  });

  it('a bad id in the path is 400 naming the parameter', async () => {
    const res = await officer.get('/api/v1/organizations/not-a-uuid').expect(400);
    expect(res.body.error.details[0].path).to.equal('params.id');
  });

  it('a rejected update leaves the stored row unchanged', async () => {
    const before = await ctx.db.knex('organizations').where({ id: citybrain }).first();
    await officer.patch(`/api/v1/organizations/${citybrain}`).send({ name: '', address: 'Changed' }).expect(400);
    await officer.patch(`/api/v1/organizations/${citybrain}`).send({ creditCode: 'not-a-code' }).expect(400);
    expect(await ctx.db.knex('organizations').where({ id: citybrain }).first()).to.deep.equal(before);
  });

  it('a weak password for a new user is 400 naming password, and no user is created', async () => {
    const res = await admin.post('/api/v1/users').send({ username: 'weak', displayName: 'Weak', password: 'password' }).expect(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include('password');
    expect(await ctx.db.knex('users').where({ username: 'weak' })).to.have.length(0);
  });

  it('sends a request id on every response', async () => {
    const res = await supertest(app).get('/healthz').set('X-Request-Id', 'trace-123').expect(200);
    expect(res.headers['x-request-id']).to.equal('trace-123');
    expect((await supertest(app).get('/healthz')).headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });
});
