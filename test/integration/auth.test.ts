import { expect } from 'chai';
import { AppError } from '../../server/errors.js';
import { AuthService } from '../../server/services/auth.js';
import { loadDemoData } from '../../server/services/demo.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { DEMO_PASSWORD } from '../utils/app.js';

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a failure');
}

describeEachEngine('auth service', (ctx) => {
  let auth: AuthService;
  before(async () => {
    await loadDemoData(ctx.db.knex);
    auth = new AuthService(ctx.db.knex, { idleMinutes: 30, maxHours: 12, maxFailures: 3, lockMinutes: 15 });
  });

  it('loads the demo data once', async () => {
    expect(await loadDemoData(ctx.db.knex)).to.equal(false);
    expect(await ctx.db.knex('users').pluck('username')).to.have.members(['admin', 'secadmin', 'auditadmin', 'officer', 'consultant', 'auditor', 'officer2']);
  });

  it('signs in with the right password and stores only a hash of the session token', async () => {
    const { token } = await auth.login('Officer ', DEMO_PASSWORD);
    const rows = await ctx.db.knex('sessions').select('id');
    expect(rows.map((r) => r.id)).not.to.include(token);
    expect(await auth.resolveSession(token)).to.be.a('string');
  });

  it('rejects a wrong password and an unknown user alike', async () => {
    expect((await failure(auth.login('officer', 'wrong'))).code).to.equal('invalid_credentials');
    expect((await failure(auth.login('nobody', 'wrong'))).code).to.equal('invalid_credentials');
  });

  it('locks an account after repeated failures, even for the right password', async () => {
    for (let i = 0; i < 3; i++) await failure(auth.login('auditor', 'wrong'));
    const err = await failure(auth.login('auditor', DEMO_PASSWORD));
    expect(err.status).to.equal(423);
    expect(err.code).to.equal('account_locked');
    await auth.unlock((await ctx.db.knex('users').where({ username: 'auditor' }).first()).id);
    await auth.login('auditor', DEMO_PASSWORD);
  });

  it('ends a session after the idle timeout and after the absolute limit', async () => {
    const idle = await auth.login('consultant', DEMO_PASSWORD);
    const abs = await auth.login('consultant', DEMO_PASSWORD);
    const { sha256 } = await import('../../server/services/auth.js');
    await ctx.db.knex('sessions').where({ id: sha256(idle.token) }).update({ last_seen_at: new Date(Date.now() - 31 * 60_000).toISOString() });
    await ctx.db.knex('sessions').where({ id: sha256(abs.token) }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(await auth.resolveSession(idle.token)).to.equal(undefined);
    expect(await auth.resolveSession(abs.token)).to.equal(undefined);
    expect(await ctx.db.knex('sessions').whereIn('id', [sha256(idle.token), sha256(abs.token)])).to.have.length(0);
  });

  it('logs out by deleting the session', async () => {
    const { token } = await auth.login('officer2', DEMO_PASSWORD);
    await auth.logout(token);
    expect(await auth.resolveSession(token)).to.equal(undefined);
  });
});
