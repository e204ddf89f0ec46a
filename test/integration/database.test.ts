import { expect } from 'chai';
import { transaction } from '../../server/database/transaction.js';
import { translateDatabaseError } from '../../server/database/translate-error.js';
import { newId, now } from '../../server/util.js';
import { describeEachEngine } from '../utils/each-engine.js';

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

describeEachEngine('database', (ctx) => {
  const org = () => ({ id: newId(), name: `Org ${newId()}`, created_at: now(), updated_at: now() });

  if (ctx.engine === 'sqlite') {
    it('runs SQLite with WAL, foreign keys and a busy timeout', async () => {
      const k = ctx.db.knex;
      expect((await k.raw('pragma journal_mode'))[0].journal_mode).to.equal('wal');
      expect((await k.raw('pragma foreign_keys'))[0].foreign_keys).to.equal(1);
      expect((await k.raw('pragma busy_timeout'))[0].timeout).to.equal(5000);
    });
  }

  it('translates a unique violation into 409 naming the field', async () => {
    const a = org();
    await ctx.db.knex('organizations').insert(a);
    const err = translateDatabaseError(await caught(ctx.db.knex('organizations').insert({ ...org(), name: a.name })));
    expect(err).to.include({ status: 409, code: 'unique_violation' });
    expect(err?.params.field).to.equal('name');
  });

  it('translates a foreign-key violation into 409', async () => {
    const err = translateDatabaseError(
      await caught(ctx.db.knex('memberships').insert({ id: newId(), organization_id: newId(), user_id: newId(), role: 'officer', created_at: now() })),
    );
    expect(err).to.include({ status: 409, code: 'foreign_key_violation' });
  });

  it('translates a not-null violation into 400', async () => {
    const err = translateDatabaseError(await caught(ctx.db.knex('organizations').insert({ ...org(), name: null })));
    expect(err).to.include({ status: 400, code: 'not_null_violation' });
  });

  it('reuses an open transaction and rolls back everything on error', async () => {
    const a = org();
    const b = org();
    await caught(
      transaction(ctx.db.knex, async (trx) => {
        await trx('organizations').insert(a);
        await transaction(trx, async (inner) => {
          expect(inner).to.equal(trx);
          await inner('organizations').insert(b);
        });
        throw new Error('abort');
      }),
    );
    expect(await ctx.db.knex('organizations').whereIn('id', [a.id, b.id])).to.have.length(0);
  });
});
