import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { tenantIds } from '../utils/tenants.js';

// Found by the route sweeps and the fuzz (issue 13): each answered 500 or told another
// organisation's member that a record exists. Regression tests.
describeEachEngine('answers found by the sweeps and the fuzz', (ctx) => {
  let app: Express;
  let officer: Agent, officer2: Agent;
  let city: Awaited<ReturnType<typeof tenantIds>>;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    officer2 = await signIn(app, 'officer2');
    city = await tenantIds(ctx.db, (await demoOrganizations(ctx.db)).citybrain);
  });

  it('a page form posted with no body is refused, not a 500', async () => {
    const token = await csrfOf(officer);
    const res = await officer.post(`/assessments/${city.assessment}/results?_csrf=${encodeURIComponent(token)}`).redirects(0);
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/html/);
  });

  it('a page form with a bad field is 400 naming it, not a 500', async () => {
    const token = await csrfOf(officer);
    const res = await officer.post(`/assessments/${city.assessment}/workbook-apply?_csrf=${encodeURIComponent(token)}`).type('form').send('hash=not-a-hash');
    expect(res.status).to.equal(400);
    const bad = await officer.post(`/assessments/${city.assessment}/results?_csrf=${encodeURIComponent(token)}`).type('form').send('code=x&objectId=system&value=maybe&rowVersion=1');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('value');
  });

  it('a forced lifecycle transition on another organisation’s system is 404, like any of its records', async () => {
    const res = await officer2.post(`/api/v1/systems/${city.system}/transitions`).send({ to: 'grading', force: true, reason: 'takeover attempt' });
    expect(res.status).to.equal(404);
    // Under 三权分立 forcing is the organisation's own officer's (with a reason), never an administrator's.
    await officer.post(`/api/v1/systems/${city.system}/transitions`).send({ to: 'grading', force: true }).expect(400);
    await officer.post(`/api/v1/systems/${city.system}/transitions`).send({ to: 'grading', force: true, reason: 'the officer corrects the stage' }).expect(200);
  });

  it('a date whose derived validity would leave YYYY-MM-DD is 400 (was 500 on PostgreSQL)', async () => {
    const res = await officer.patch(`/api/v1/platforms/${city.platform}?lang=en`).send({ testDate: '9999-12-31' }).expect(400);
    expect(res.body.error.details[0].path).to.equal('testDate');
    await officer.patch(`/api/v1/platforms/${city.platform}`).send({ testDate: '2026-06-10' }).expect(200);
  });
});
