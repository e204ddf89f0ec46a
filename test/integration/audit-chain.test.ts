import { expect } from 'chai';
import { appendAudit, canonicalJson, entryHash, GENESIS_HASH, mask, type AuditRecord } from '../../server/audit/chain.js';
import { purgeAuditTrail } from '../../server/audit/purge.js';
import { verifyAuditTrail } from '../../server/audit/verify.js';
import { describeEachEngine } from '../utils/each-engine.js';

describe('audit chain helpers', () => {
  it('hashes canonical JSON (key order does not matter) and masks secrets', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).to.equal('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(mask({ username: 'u', password: 'p', nested: { apiToken: 't', otpCode: '1', note: 'n' } })).to.deep.equal({ username: 'u', password: '***', nested: { apiToken: '***', otpCode: '***', note: 'n' } });
  });
});

describeEachEngine('audit chain: purge keeps the chain verifiable', (ctx) => {
  it('purges entries older than 180 days, then the rest still verifies from the purge base', async () => {
    const knex = ctx.db.knex;
    let prev = GENESIS_HASH;
    const old: Array<AuditRecord & { hash: string }> = [];
    for (let seq = 1; seq <= 3; seq++) {
      const r: AuditRecord = { chain: 'platform', seq, at: `2020-0${seq}-01T00:00:00.000Z`, actor_id: null, actor_name: 'old', organization_id: null, ip: null, user_agent: null, action: 'x', target_type: null, target_id: null, status: null, changes: null, prev_hash: prev };
      prev = entryHash(r);
      old.push({ ...r, hash: prev });
    }
    await knex('audit_entries').insert(old);
    await knex('audit_chains').insert({ chain: 'platform', seq: 3, head_hash: prev, base_seq: 0, base_hash: GENESIS_HASH });
    await appendAudit(knex, [{ action: 'new.1' }, { action: 'new.2' }]);
    expect((await verifyAuditTrail(knex)).problems).to.deep.equal([]);

    const { deleted } = await purgeAuditTrail(knex, '2021-01-01');
    expect(deleted).to.equal(3);
    const report = await verifyAuditTrail(knex);
    expect(report.problems).to.deep.equal([]);
    expect((await knex('audit_chains').where({ chain: 'platform' }).first()).base_seq).to.equal(3);
    // The purge is itself recorded.
    expect((await knex('audit_entries').orderBy('seq', 'desc').first()).action).to.equal('audit.purge');
  });
});
