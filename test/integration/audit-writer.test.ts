import { expect } from 'chai';
import { appendAudit, type AuditInput } from '../../server/audit/chain.js';
import { verifyAuditTrail } from '../../server/audit/verify.js';
import { AuditWriter } from '../../server/audit/writer.js';
import { describeEachEngine } from '../utils/each-engine.js';

/** The post-response audit writer: entries of many requests share one append; none is lost to a failed one. */
describeEachEngine('audit writer: batched, in order, retried', (ctx) => {
  const entries = async (prefix: string) =>
    (await ctx.db.knex('audit_entries').where('action', 'like', `${prefix}%`).orderBy([{ column: 'chain' }, { column: 'seq' }]).select('action', 'seq')) as Array<{ action: string; seq: number }>;

  it('appends 60 entries that arrive together in at most 2 transactions, in arrival order, with consecutive sequence numbers', async () => {
    const heads: string[] = [];
    const listener = (q: { sql: string }) => {
      if (/from [`"]audit_chains[`"]/i.test(q.sql) && /^select/i.test(q.sql)) heads.push(q.sql);
    };
    ctx.db.knex.on('query', listener);
    try {
      const writer = new AuditWriter(ctx.db.knex);
      await Promise.all(Array.from({ length: 60 }, (_, i) => writer.append({ action: `batch.${String(i).padStart(2, '0')}` })));
    } finally {
      ctx.db.knex.off('query', listener);
    }
    expect(heads.length, 'chain-head reads (one per append transaction)').to.be.within(1, 2);
    const rows = await entries('batch.');
    expect(rows.map((r) => r.action)).to.deep.equal(Array.from({ length: 60 }, (_, i) => `batch.${String(i).padStart(2, '0')}`));
    expect(rows.every((r, i) => i === 0 || Number(r.seq) === Number(rows[i - 1]!.seq) + 1)).to.equal(true);
    expect((await verifyAuditTrail(ctx.db.knex)).problems).to.deep.equal([]);
  });

  it('retries an append that fails (no connection for a moment): the entry is recorded once', async () => {
    let failures = 2;
    const flaky = async (knex: typeof ctx.db.knex, inputs: AuditInput[]) => {
      if (failures-- > 0) throw new Error('Knex: Timeout acquiring a connection. The pool is probably full.');
      await appendAudit(knex, inputs);
    };
    await new AuditWriter(ctx.db.knex, { append: flaky, backoffMs: 1 }).append({ action: 'retry.one' });
    expect(failures).to.equal(-1);
    expect((await entries('retry.')).map((r) => r.action)).to.deep.equal(['retry.one']);
  });

  it('when a batch keeps failing, tries each entry alone: one entry that cannot be stored does not lose the others', async () => {
    const poisoned = async (knex: typeof ctx.db.knex, inputs: AuditInput[]) => {
      if (inputs.some((i) => i.action === 'poison.bad')) throw new Error('cannot store this entry');
      await appendAudit(knex, inputs);
    };
    const writer = new AuditWriter(ctx.db.knex, { append: poisoned, retries: 1, backoffMs: 1 });
    const outcomes = await Promise.allSettled(['poison.a', 'poison.bad', 'poison.b'].map((action) => writer.append({ action })));
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((await entries('poison.')).map((r) => r.action)).to.deep.equal(['poison.a', 'poison.b']);
  });
});
