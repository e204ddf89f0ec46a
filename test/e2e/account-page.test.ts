import { expect } from 'chai';
import type { Express } from 'express';
import { generate } from 'otplib';
import supertest from 'supertest';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const grab = (html: string, id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(html)?.[1];

describeEachEngine('the account page', (ctx) => {
  let app: Express;
  let agent: Agent;
  let csrf: string;
  before(async () => {
    app = await createTestApp(ctx.db);
    agent = await signIn(app, 'consultant');
    csrf = csrfOf((await agent.get('/account').expect(200)).text);
  });

  it('creates an API token shown once (read-only unless chosen), lists it and revokes it', async () => {
    const created = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'nightly export', scope: 'read_only', expiresInDays: '30' }).expect(200);
    const token = grab(created.text, 'new-token')!;
    expect(token).to.match(/^dbt_/);
    await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    await supertest(app).post('/api/v1/tokens').set('Authorization', `Bearer ${token}`).send({ name: 'x' }).expect(403);
    const page = (await agent.get('/account').expect(200)).text;
    expect(page).to.contain('nightly export');
    expect(page).not.to.contain(token);
    const id = (await ctx.db.knex('api_tokens').where({ name: 'nightly export' }).first()).id;
    await agent.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf: csrf }).expect(303);
    await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
  });

  it('ends another session from the list', async () => {
    const other = await signIn(app, 'consultant');
    const mine = await ctx.db.knex('sessions').join('users', 'users.id', 'sessions.user_id').where('users.username', 'consultant').select('sessions.id');
    const page = (await agent.get('/account').expect(200)).text;
    const listed = mine.filter((s) => page.includes(`/account/sessions/${s.id}/revoke`));
    expect(listed).to.have.length(mine.length);
    const current = (await agent.get('/api/v1/me/sessions').expect(200)).body.data.find((s: { current: boolean }) => s.current).id;
    const target = mine.find((s) => s.id !== current)!.id;
    await agent.post(`/account/sessions/${target}/revoke`).type('form').send({ _csrf: csrf }).expect(303);
    await other.get('/api/v1/me').expect(401);
    await agent.get('/api/v1/me').expect(200);
  });

  it('sets up the second factor: the key once, then 10 recovery codes once', async () => {
    const begun = await agent.post('/account/mfa/begin').type('form').send({ _csrf: csrf }).expect(200);
    const secret = grab(begun.text, 'totp-secret')!;
    expect(grab(begun.text, 'otpauth-uri')!.replace(/&#x3D;/g, '=')).to.equal(`otpauth://totp/dengbao:consultant?secret=${secret}&issuer=dengbao`.replace(/&/g, '&amp;'));
    const wrong = await agent.post('/account/mfa/confirm').type('form').send({ _csrf: csrf, code: '000000' }).expect(400);
    expect(wrong.text).to.contain('name="code"');
    const done = await agent.post('/account/mfa/confirm').type('form').send({ _csrf: csrf, code: await generate({ secret }) }).expect(200);
    expect(done.text.match(/<li><code>[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}<\/code><\/li>/g)).to.have.length(10);
    const later = (await agent.get('/account').expect(200)).text;
    expect(later).not.to.contain(secret);
    expect(later).to.contain('action="/account/mfa/disable"');
  });
});
