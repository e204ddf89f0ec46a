import { expect } from 'chai';
import type { Express } from 'express';
import { level3Assessment } from '../utils/assessments.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';

const visible = (html: string) => html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** Error pages are pages, in the user's language, with a way back; API routes keep JSON. */
describeEachEngine('error pages', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
  });

  it('answers a bad id, an unknown page and another tenant’s id with a translated page and a way back', async () => {
    for (const [path, status] of [['/assessments/abc', 400], ['/findings/abc', 400], ['/evidence/abc', null], ['/no-such-page', 404], ['/assessments/00000000-0000-0000-0000-000000000000', 404], ['/findings/00000000-0000-0000-0000-000000000000', 404]] as const) {
      const res = await officer.get(path).set('Accept', 'text/html').set('Accept-Language', 'zh-CN').set('Referer', 'http://example.org/elsewhere');
      if (status) expect(res.status, path).to.equal(status);
      else expect(res.status, path).to.be.within(400, 404);
      expect(res.type, path).to.equal('text/html');
      expect(res.text, path).to.contain('href="/"');
      expect(res.text, path).not.to.contain('example.org'); // the way back never leads off the site
      expect(visible(res.text), path).not.to.match(/No route|not found|Bad Request|invalid/i);
    }
    const page = await officer.get('/no-such-page').set('Accept', 'text/html').set('Accept-Language', 'zh-CN').set('Referer', 'http://127.0.0.1/systems');
    expect(visible(page.text)).to.contain('找不到这个页面');
    const en = await officer.get('/no-such-page').set('Accept', 'text/html').set('Accept-Language', 'en');
    expect(visible(en.text)).to.contain('This page does not exist');
    // API clients keep JSON errors.
    const api = await officer.get('/api/v1/assessments/abc');
    expect(api.status).to.equal(400);
    expect(api.type).to.equal('application/json');
    expect((await officer.get('/api/v1/nothing-here')).body.error.code).to.equal('route_not_found');
  });

  it('translates a rule refused on a form (no English prose in the Chinese UI), by its code and parameters', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, (await demoOrganizations(ctx.db)).citybrain);
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '存在弱口令', units: ['L3-CES1-01'], risk: 'medium' }).expect(201)).body;
    const csrf = await csrfOf(consultant); // first: the request takes the CSRF cookie when it is created
    const res = await consultant
      .post(`/findings/${f.id}/remediation`)
      .set('Accept-Language', 'zh-CN')
      .type('form')
      .send({ _csrf: csrf, status: 'verified' })
      .expect(303);
    const error = new URL(res.headers.location!, 'http://x').searchParams.get('error');
    expect(error).to.equal('整改状态不能从「未开始」改为「已验证」');
    const api = await consultant.post(`/api/v1/findings/${f.id}/remediation`).set('Accept-Language', 'en').send({ status: 'verified' }).expect(409);
    expect(api.body.error).to.include({ reason: 'remediation_transition_not_allowed', message: 'Remediation cannot move from Open to Verified' });
  });
  it('names a duplicate field in the user’s words (no English field name inside a Chinese sentence)', async () => {
    const org = (await demoOrganizations(ctx.db)).citybrain;
    const fresh = await signIn(app, 'officer');
    const csrf = await csrfOf(fresh); // first: the agent takes its CSRF cookie on its first page
    await fresh.post('/api/v1/systems').send({ organizationId: org, name: '重名系统', deployment: 'on_premises' }).expect(201);
    for (const [lang, text] of [['zh-CN', '已存在相同名称的记录'], ['en', 'A record with this name already exists']] as const) {
      const res = await fresh.post('/systems').set('Accept-Language', lang).type('form').send({ _csrf: csrf, organizationId: org, name: '重名系统' }).expect(303);
      expect(new URL(res.headers.location!, 'http://x').searchParams.get('error'), lang).to.equal(text);
    }
  });
});
