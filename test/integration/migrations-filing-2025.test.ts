import { expect } from 'chai';
import path from 'node:path';
import { migrateLatest, migrationStatus } from '../../server/database/index.js';
import { migrationSource } from '../../server/database/migrations/index.js';
import { loadDemoData } from '../../server/services/demo.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { describeEachEngine } from '../utils/each-engine.js';

const MIGRATION = '20261130K-filing-2025';

describeEachEngine(
  'migration 20261130K-filing-2025',
  (ctx) => {
    it('keeps every filing as it was, with no re-filing date and no data survey yet', async function () {
      this.timeout(120_000);
      const knex = ctx.db.knex;
      await migrateLatest(knex);
      await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')) });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = OFF');
      while ((await migrationStatus(knex)).completed.includes(MIGRATION)) await knex.migrate.down({ migrationSource });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = ON');
      expect(await knex.schema.hasColumn('filings', 'refiled_on')).to.equal(false);
      const before = await knex('filings').orderBy('id');
      expect(before.length).to.equal(2);
      await migrateLatest(knex);
      const after = await knex('filings').orderBy('id');
      const cols = Object.keys(before[0]);
      expect(after.map((r: Record<string, unknown>) => Object.fromEntries(cols.map((c) => [c, r[c]])))).to.deep.equal(before);
      expect(after.map((r: Record<string, unknown>) => [r.refiled_on, r.data_survey])).to.deep.equal([[null, null], [null, null]]);
      expect(await knex.schema.hasTable('protection_plans')).to.equal(true);
      expect(await knex.schema.hasTable('assessment_extra_items')).to.equal(true);
    });
  },
  { migrate: false },
);
