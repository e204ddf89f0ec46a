import { expect } from 'chai';
import type { Express } from 'express';
import { generate } from 'otplib';
import supertest from 'supertest';
import { flagDemoPasswords } from '../../server/services/credentials.js';
import { readDemoData } from '../../server/services/demo.js';
import { createTestApp, DEMO_PASSWORD, signIn, testConfig, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

/** Enrols TOTP for a signed-in agent; returns the secret and the recovery codes. */
async function enrol(agent: Agent): Promise<{ secret: string; recoveryCodes: string[] }> {
  const begun = (await agent.post('/api/v1/me/mfa/totp').expect(201)).body;
  const { recoveryCodes } = (await agent.post('/api/v1/me/mfa/totp/confirm').send({ code: await generate({ secret: begun.secret }) }).expect(200)).body;
  return { secret: begun.secret, recoveryCodes };
}

describeEachEngine('identity: forced password change, policy, TOTP second factor', (ctx) => {
  let app: Express;
  before(async () => {
    const base = testConfig(ctx.db);
    app = await createTestApp(ctx.db, { identity: { ...base.identity, passwordMinLength: 12 } });
  });

  it('a reset account must change its password first: 403 password_change_required on the API, /account in the UI', async () => {
    const admin = await signIn(app, 'admin');
    const user = (await admin.get('/api/v1/users').expect(200)).body.data.find((u: { username: string }) => u.username === 'officer');
    await admin.patch(`/api/v1/users/${user.id}`).send({ password: 'Temporary#2026x' }).expect(200);
    const officer = supertest.agent(app);
    const login = await officer.post('/api/v1/auth/login').send({ username: 'officer', password: 'Temporary#2026x' }).expect(200);
    expect(login.body.mustChangePassword).to.equal(true);
    expect((await officer.get('/api/v1/systems').expect(403)).body.error.code).to.equal('password_change_required');
    expect((await officer.post('/api/v1/tokens').send({ name: 'x' }).expect(403)).body.error.code).to.equal('password_change_required');
    expect((await officer.get('/api/v1/me').expect(200)).body.pending).to.equal('password');
    expect((await officer.get('/systems').expect(303)).headers.location).to.equal('/account');
    const page = await officer.get('/account').expect(200);
    expect(page.text).to.contain('id="gate"');
    // The form on the page changes it; then everything is open again.
    const res = await officer.post('/account/password').type('form').send({ _csrf: csrfOf(page.text), currentPassword: 'Temporary#2026x', newPassword: 'Officer#Own-2026' }).expect(303);
    expect(res.headers.location).to.equal('/account?done=password');
    await officer.get('/api/v1/systems').expect(200);
    expect((await officer.get('/api/v1/me').expect(200)).body.pending).to.equal(null);
  });

  it('an account created by an administrator must change its password; the policy is configurable (PASSWORD_MIN_LENGTH=12)', async () => {
    const admin = await signIn(app, 'admin');
    const short = await admin.post('/api/v1/users').send({ username: 'shorty', displayName: 'S', password: 'Ab1#Ab1#Ab1' }).expect(400);
    expect(short.body.error.details[0]).to.include({ path: 'password', code: 'password_too_short' });
    await admin.post('/api/v1/users').send({ username: 'newcomer', displayName: 'New', password: 'Ab1#Ab1#Ab1#' }).expect(201);
    const agent = await signIn(app, 'newcomer', 'Ab1#Ab1#Ab1#');
    expect((await agent.get('/api/v1/organizations').expect(403)).body.error.code).to.equal('password_change_required');
  });

  it('outside demo mode, demo accounts still on the demo password are flagged to change it', async () => {
    const demo = readDemoData();
    // `officer` changed its password above: only the others still use the published one.
    const flagged = await flagDemoPasswords(ctx.db.knex, demo);
    expect(flagged).to.include.members(['admin', 'auditor', 'officer2']);
    expect(flagged).not.to.include('officer');
    const auditor = await signIn(app, 'auditor');
    expect((await auditor.get('/api/v1/systems').expect(403)).body.error.code).to.equal('password_change_required');
    await auditor.post('/api/v1/me/password').send({ currentPassword: DEMO_PASSWORD, newPassword: 'Auditor#Own-2026' }).expect(204);
    await auditor.get('/api/v1/systems').expect(200);
    await ctx.db.knex('users').update({ must_change_password: false });
  });

  it('a password older than PASSWORD_MAX_AGE_DAYS (180) must be changed', async () => {
    const agent = await signIn(app, 'officer2');
    await agent.get('/api/v1/systems').expect(200);
    await ctx.db.knex('users').where({ username: 'officer2' }).update({ password_changed_at: new Date(Date.now() - 181 * 86_400_000).toISOString() });
    expect((await agent.get('/api/v1/systems').expect(403)).body.error.code).to.equal('password_change_required');
    await agent.post('/api/v1/me/password').send({ currentPassword: DEMO_PASSWORD, newPassword: 'Officer2#Fresh-26' }).expect(204);
    await agent.get('/api/v1/systems').expect(200);
    await agent.post('/api/v1/me/password').send({ currentPassword: 'Officer2#Fresh-26', newPassword: 'Officer2#Fresh-27' }).expect(204);
    // Back to the demo password for the tests below (the consultant still has it).
    await ctx.db.knex('password_history').delete();
    await ctx.db.knex('users').where({ username: 'officer2' }).update({ password_hash: (await ctx.db.knex('users').where({ username: 'consultant' }).first()).password_hash });
  });

  it('TOTP: the secret is shown once and stored encrypted; sign-in then needs a code, each accepted once; recovery codes work once', async () => {
    const agent = await signIn(app, 'consultant');
    const begun = (await agent.post('/api/v1/me/mfa/totp').expect(201)).body;
    expect(begun.otpauthUri).to.match(/^otpauth:\/\/totp\/dengbao:consultant\?secret=[A-Z2-7]+&issuer=dengbao$/);
    const wrong = await agent.post('/api/v1/me/mfa/totp/confirm').send({ code: '000000' }).expect(400);
    expect(wrong.body.error.details[0].path).to.equal('code');
    const firstCode = await generate({ secret: begun.secret });
    const confirmed = (await agent.post('/api/v1/me/mfa/totp/confirm').send({ code: firstCode }).expect(200)).body;
    expect(confirmed.recoveryCodes).to.have.length(10);
    const row = await ctx.db.knex('users').where({ username: 'consultant' }).first();
    expect(JSON.stringify(row)).not.to.contain(begun.secret);
    expect(JSON.stringify(await ctx.db.knex('recovery_codes').where({ user_id: row.id }))).not.to.contain(confirmed.recoveryCodes[0]);
    const status = (await agent.get('/api/v1/me/mfa').expect(200)).body;
    expect(status).to.deep.include({ enabled: true, recoveryCodesLeft: 10 });
    expect(JSON.stringify(status)).not.to.contain(begun.secret);
    await agent.post('/api/v1/me/mfa/totp').expect(409);

    const login = (otp?: string) => supertest(app).post('/api/v1/auth/login').send({ username: 'consultant', password: DEMO_PASSWORD, ...(otp ? { otp } : {}) });
    const sessions = async () => Number((await ctx.db.knex('sessions').where({ user_id: row.id }).count({ n: '*' }).first())?.n);
    const before = await sessions();
    expect((await login().expect(401)).body.error.code).to.equal('mfa_required');
    expect((await login('123456').expect(401)).body.error.code).to.equal('invalid_otp');
    expect((await login(firstCode).expect(401)).body.error.code, 'the code used to confirm is spent').to.equal('invalid_otp');
    expect(await sessions()).to.equal(before);
    const next = await generate({ secret: begun.secret, epoch: inSeconds(30) });
    await login(next).expect(200);
    await login(next).expect(401); // replay
    await login(confirmed.recoveryCodes[3].toLowerCase()).expect(200);
    await login(confirmed.recoveryCodes[3]).expect(401);
    expect((await agent.get('/api/v1/me/mfa').expect(200)).body.recoveryCodesLeft).to.equal(9);
    // The security administrator removes it (lost phone; a security setting under 三权分立), not the
    // system administrator; the user signs in with the password alone again.
    await (await signIn(app, 'admin')).delete(`/api/v1/users/${row.id}/mfa`).expect(403);
    const secadmin = await signIn(app, 'secadmin');
    await secadmin.delete(`/api/v1/users/${row.id}/mfa`).expect(204);
    await login().expect(200);
  });

  it('the sign-in page asks for the code after the password', async () => {
    const agent = await signIn(app, 'officer2');
    const { secret } = await enrol(agent);
    const browser = supertest.agent(app);
    const csrf = csrfOf((await browser.get('/login').expect(200)).text);
    const step = await browser.post('/login?back=%2Fsystems').type('form').send({ _csrf: csrf, username: 'officer2', password: DEMO_PASSWORD }).expect(200);
    expect(step.text).to.contain('action="/login/mfa?back=%2Fsystems"');
    expect(step.headers['set-cookie']?.toString()).not.to.contain('dengbao_session=');
    const bad = await browser.post('/login/mfa').type('form').send({ _csrf: csrf, code: '000000' }).expect(401);
    expect(bad.text).to.contain('name="code"');
    const ok = await browser.post('/login/mfa?back=%2Fsystems').type('form').send({ _csrf: csrf, code: await generate({ secret, epoch: inSeconds(30) }) }).expect(303);
    expect(ok.headers.location).to.equal('/systems');
    await browser.get('/api/v1/me').expect(200);
    // Without the password step first (no signed step cookie), a code alone opens nothing.
    const stranger = supertest.agent(app);
    const c2 = csrfOf((await stranger.get('/login').expect(200)).text);
    await stranger.post('/login/mfa').type('form').send({ _csrf: c2, code: await generate({ secret }) }).expect(401);
  });
});

describeEachEngine('REQUIRE_MFA_ADMIN', (ctx) => {
  let app: Express;
  before(async () => {
    const base = testConfig(ctx.db);
    expect(base.identity.requireMfaAdmin, 'off in demo mode by default').to.equal(false);
    app = await createTestApp(ctx.db, { identity: { ...base.identity, requireMfaAdmin: true } });
  });

  it('an administrator without a second factor is sent to enrol before anything else; members are not', async () => {
    const admin = await signIn(app, 'admin');
    expect((await admin.get('/api/v1/users').expect(403)).body.error.code).to.equal('mfa_enrolment_required');
    expect((await admin.get('/api/v1/me').expect(200)).body.pending).to.equal('mfa');
    expect((await admin.get('/admin').expect(303)).headers.location).to.equal('/account');
    const officer = await signIn(app, 'officer');
    await officer.get('/api/v1/systems').expect(200);
    const { secret } = await enrol(admin);
    await admin.get('/api/v1/users').expect(200);
    await admin.get('/admin').expect(200);
    // From now on the admin signs in with a code.
    await supertest(app).post('/api/v1/auth/login').send({ username: 'admin', password: DEMO_PASSWORD }).expect(401);
    await supertest(app).post('/api/v1/auth/login').send({ username: 'admin', password: DEMO_PASSWORD, otp: await generate({ secret, epoch: inSeconds(30) }) }).expect(200);
  });
});
