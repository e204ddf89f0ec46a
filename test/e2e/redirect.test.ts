import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { createTestApp, DEMO_PASSWORD, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

// Issue 13, defect 8: `?back=` was an open redirect (`/lang?back=/%5Cevil.example` → `Location: /\evil.example`).
// Each payload is written as it appears in the URL's query string.
const HOSTILE = [
  '//evil.example',
  '/%5Cevil.example', // /\evil.example
  '/%255Cevil.example', // decoded twice
  '%5C%5Cevil.example',
  'https://evil.example',
  'https%3A%2F%2Fevil.example',
  '/%2F%2Fevil.example', // ///evil.example
  '/%252F%252Fevil.example',
  '/%2F/evil.example',
  '/%09/evil.example', // tab: browsers drop it → //evil.example
  '/%0A/evil.example', // newline
  '/%0D%0A/evil.example',
  '%20//evil.example',
  'javascript:alert(1)',
  '/%E0%A4%A', // malformed percent-encoding
];

describeEachEngine('redirects after sign-in, language and organisation switch', (ctx) => {
  let app: Express;
  let officer: Agent;
  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
  });

  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

  for (const payload of HOSTILE) {
    it(`never leaves the site for back=${payload}`, async () => {
      expect((await supertest(app).get(`/lang?to=en&back=${payload}`).expect(303)).headers.location, '/lang').to.equal('/');
      expect((await officer.get(`/org?back=${payload}`).expect(303)).headers.location, '/org').to.equal('/');
      expect((await officer.get(`/login?back=${payload}`).expect(303)).headers.location, 'GET /login signed in').to.equal('/');
      const browser = supertest.agent(app);
      const csrf = csrfOf((await browser.get('/login').expect(200)).text);
      const res = await browser.post(`/login?back=${payload}`).type('form').send({ _csrf: csrf, username: 'consultant', password: DEMO_PASSWORD }).expect(303);
      expect(res.headers.location, 'POST /login').to.equal('/');
    });
  }

  it('still returns to a page of the site, query included', async () => {
    expect((await supertest(app).get('/lang?to=en&back=%2Fsystems%3Fstatus%3Dgrading').expect(303)).headers.location).to.equal('/systems?status=grading');
    expect((await officer.get('/org?back=/evidence').expect(303)).headers.location).to.equal('/evidence');
    expect((await officer.get('/login?back=%2Fcatalogue%3Fq%3D%E8%BA%AB%E4%BB%BD').expect(303)).headers.location).to.equal('/catalogue?q=%E8%BA%AB%E4%BB%BD');
  });
});
