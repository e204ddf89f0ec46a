import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';

const NUL = '\u0000';
const LONE = '\uD800';

describeEachEngine('hostile text: NUL, lone surrogates and malformed percent-encoding are 400, never 500', (ctx) => {
  let app: Express;
  let consultant: Agent, admin: Agent;
  let systemId: string, evidenceId: string, assessmentId: string;

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    admin = await signIn(app, 'admin');
    systemId = (await consultant.get('/api/v1/systems').expect(200)).body.data[0].id;
    assessmentId = (await consultant.get('/api/v1/assessments?status=in_progress').expect(200)).body.data[0].id;
    evidenceId = (await consultant.post('/api/v1/evidence').field('title', 'Policy').field('kind', 'document').attach('file', png(8001), 'p.png').expect(201)).body.id;
  });

  /** The JSON body of a raw request (supertest's .send would re-encode the text). */
  const rawJson = (text: string) => text;

  it('refuses NUL and lone surrogates in JSON bodies on every kind of route, naming the field, translated', async () => {
    const cases: Array<[string, supertest.Test, string]> = [
      ['login username (unauthenticated)', supertest(app).post('/api/v1/auth/login').send({ username: `officer${NUL}`, password: 'x' }), 'username'],
      ['login password (unauthenticated)', supertest(app).post('/api/v1/auth/login').send({ username: 'officer', password: `pw${NUL}` }), 'password'],
      ['create system', consultant.post('/api/v1/systems').send({ name: `系统${NUL}`, level: 3 }), 'name'],
      ['patch system', consultant.patch(`/api/v1/systems/${systemId}`).send({ description: `a${NUL}b` }), 'description'],
      ['patch evidence', consultant.patch(`/api/v1/evidence/${evidenceId}`).send({ title: `t${LONE}` }), 'title'],
      ['tags in an array', consultant.patch(`/api/v1/evidence/${evidenceId}`).send({ tags: ['ok', `x${NUL}`] }), 'tags.1'],
      ['create finding', consultant.post(`/api/v1/assessments/${assessmentId}/findings`).send({ title: `f${NUL}`, units: [] }), 'title'],
      ['create organisation (admin)', admin.post('/api/v1/organizations').send({ name: `单位${NUL}` }), 'name'],
      ['a key', consultant.patch(`/api/v1/systems/${systemId}`).send({ [`na${NUL}me`]: 'x' }), 'na\uFFFDme'],
    ];
    for (const [what, req, field] of cases) {
      const res = await req;
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(400);
      expect(res.body.error.code, what).to.equal('validation_failed');
      expect(res.body.error.details[0], what).to.include({ path: field, code: 'invalid_characters' });
      expect(res.body.error.message, what).to.contain(field);
      expect(res.body.error.details[0].message, what).to.match(/空字符|代理项/);
    }
    // A lone surrogate written as a JSON escape (what an attacker's client sends).
    const escaped = await supertest(app).post('/api/v1/auth/login?lang=en').set('content-type', 'application/json').send(rawJson('{"username":"officer\\ud800","password":"x"}'));
    expect(escaped.status).to.equal(400);
    expect(escaped.body.error.details[0]).to.include({ path: 'username', code: 'invalid_characters' });
    expect(escaped.body.error.details[0].message).to.contain('not allowed');
    // Nothing was stored.
    expect(await ctx.db.knex('systems').where('name', 'like', '系统%').whereRaw('length(name) = 3').first()).to.equal(undefined);
  });

  it('refuses them in query strings, path parameters, form bodies and multipart fields', async () => {
    const q = await consultant.get('/api/v1/evidence?q=a%00b').expect(400);
    expect(q.body.error.details[0]).to.include({ path: 'query.q', code: 'invalid_characters' });
    const p = await consultant.get('/api/v1/systems/%00').expect(400);
    expect(p.body.error.details[0]).to.include({ code: 'invalid_characters' });
    const form = await supertest(app).post('/login').type('form').send('username=officer%00&password=x');
    expect(form.status).to.equal(400);
    const multipartField = await consultant.post('/api/v1/evidence').field('title', `t${NUL}`).field('kind', 'document').attach('file', png(8002), 'p.png');
    expect(multipartField.status).to.equal(400);
    expect(multipartField.body.error.details[0]).to.include({ path: 'title', code: 'invalid_characters' });
    // Health and sign-in still work.
    await supertest(app).get('/healthz').expect(200);
  });

  it('malformed percent-encoding in a path is 400 malformed_url (API and pages), translated', async () => {
    for (const url of ['/api/v1/systems/%E0%A4%A', '/api/v1/evidence/%ZZ', '/api/v1/assessments/%E0%A4%A/results']) {
      const res = await consultant.get(url);
      expect(res.status, url).to.equal(400);
      expect(res.body.error.code, url).to.equal('malformed_url');
      expect(res.body.error.message).to.equal('地址中的百分号编码格式错误');
    }
    const en = await consultant.get('/api/v1/systems/%E0%A4%A?lang=en').expect(400);
    expect(en.body.error.message).to.equal('The address contains malformed percent-encoding');
    const page = await consultant.get('/systems/%E0%A4%A');
    expect(page.status).to.equal(400);
    // A schema parsed directly in a page route (a malformed id): 400, not 500.
    const badId = await consultant.get('/evidence/not-a-uuid');
    expect(badId.status).to.be.within(400, 404);
  });
});
