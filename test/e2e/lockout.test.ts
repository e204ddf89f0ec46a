import { expect } from 'chai';
import type { Express } from 'express';
import supertest from 'supertest';
import { LoginThrottle } from '../../server/services/throttle.js';
import { createTestApp, DEMO_PASSWORD, testConfig } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

// Issue 13, defect 2: parallel guesses bypassed the lockout. The app trusts X-Forwarded-For from
// loopback (app.ts: trust proxy), so each request can come "from" the address a test gives.
describeEachEngine('sign-in lockout under parallel requests', (ctx) => {
  let app: Express;
  const PAIR_MAX = 5;
  const ACCOUNT_MAX = 20;
  const IP_MAX = 10;

  before(async () => {
    const base = testConfig(ctx.db);
    app = await createTestApp(ctx.db, {
      loginMaxFailures: PAIR_MAX,
      identity: { ...base.identity, accountMaxFailures: ACCOUNT_MAX, ipMaxFailures: IP_MAX * 100 },
    });
  });

  const login = (username: string, password: string, ip: string) =>
    supertest(app).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ username, password });
  const statuses = (rs: Array<{ status: number }>) => rs.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});

  it('50 parallel wrong passwords from one address: only 5 are checked, the pair locks, another address still signs in', async function () {
    this.timeout(120_000);
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => login('consultant', `wrong-${i}`, '198.51.100.1')));
    expect(statuses(rs)).to.deep.equal({ 401: PAIR_MAX, 423: 50 - PAIR_MAX });
    const locked = await login('consultant', DEMO_PASSWORD, '198.51.100.1').expect(423);
    expect(locked.body.error.code).to.equal('account_locked');
    // Only the pair is locked: the owner, elsewhere, signs in.
    await login('consultant', DEMO_PASSWORD, '203.0.113.7').expect(200);
  });

  it('30 wrong + 1 right in parallel: once the pair is locked, the right password is refused too', async function () {
    this.timeout(120_000);
    const wrong = Array.from({ length: 30 }, (_, i) => login('auditor', `wrong-${i}`, '198.51.100.2').then((r) => r));
    // Deterministic: send the right one as soon as the database holds PAIR_MAX attempts for the
    // pair (the wrong ones are still being checked), so it must be refused whatever the order.
    const key = LoginThrottle.pairKey('auditor', '198.51.100.2');
    for (let i = 0; i < 600; i++) {
      const row = await ctx.db.knex('login_throttle').where({ throttle_key: key }).first();
      if (Number(row?.failures ?? 0) >= PAIR_MAX) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const right = await login('auditor', DEMO_PASSWORD, '198.51.100.2');
    const rs = await Promise.all(wrong);
    expect(right.status, JSON.stringify(right.body)).to.equal(423);
    expect(statuses(rs)).to.deep.equal({ 401: PAIR_MAX, 423: 30 - PAIR_MAX });
    expect(await ctx.db.knex('sessions').join('users', 'users.id', 'sessions.user_id').where('users.username', 'auditor')).to.have.length(0);
  });

  it('50 parallel wrong passwords from 50 addresses lock the whole account after LOGIN_ACCOUNT_MAX_FAILURES', async function () {
    this.timeout(120_000);
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => login('officer2', `wrong-${i}`, `192.0.2.${i + 1}`)));
    expect(statuses(rs)).to.deep.equal({ 401: ACCOUNT_MAX, 423: 50 - ACCOUNT_MAX });
    const user = await ctx.db.knex('users').where({ username: 'officer2' }).first();
    expect(user.locked_until > new Date().toISOString()).to.equal(true);
    await login('officer2', DEMO_PASSWORD, '203.0.113.8').expect(423);
  });
});

describeEachEngine('sign-in limit per address', (ctx) => {
  let app: Express;
  before(async () => {
    const base = testConfig(ctx.db);
    app = await createTestApp(ctx.db, { identity: { ...base.identity, ipMaxFailures: 10 } });
  });

  it('one address trying many usernames gets 429 after LOGIN_IP_MAX_FAILURES; other addresses are unaffected', async function () {
    this.timeout(120_000);
    const codes: number[] = [];
    for (let i = 0; i < 14; i++) {
      const r = await supertest(app).post('/api/v1/auth/login?lang=en').set('X-Forwarded-For', '198.51.100.9').send({ username: `guess${i}`, password: 'x' });
      codes.push(r.status);
      if (r.status === 429) expect(r.body.error.code).to.equal('too_many_attempts');
    }
    expect(codes).to.deep.equal([...Array(10).fill(401), ...Array(4).fill(429)]);
    await supertest(app).post('/api/v1/auth/login').set('X-Forwarded-For', '198.51.100.9').send({ username: 'officer', password: DEMO_PASSWORD }).expect(429);
    await supertest(app).post('/api/v1/auth/login').set('X-Forwarded-For', '198.51.100.10').send({ username: 'officer', password: DEMO_PASSWORD }).expect(200);
  });
});
