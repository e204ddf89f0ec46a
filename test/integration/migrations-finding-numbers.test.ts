import { expect } from 'chai';
import path from 'node:path';
import { migrateLatest, migrationStatus } from '../../server/database/index.js';
import { migrationSource } from '../../server/database/migrations/index.js';
import { loadDemoData } from '../../server/services/demo.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { describeEachEngine } from '../utils/each-engine.js';

const NUMBERS = '20261130L-finding-numbers';

describeEachEngine(
  'migration 20261130L-finding-numbers',
  (ctx) => {
    it('keeps the numbers existing findings already have and counts on from the highest', async function () {
      this.timeout(120_000);
      const knex = ctx.db.knex;
      await migrateLatest(knex);
      await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')) });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = OFF');
      while ((await migrationStatus(knex)).completed.includes(NUMBERS)) await knex.migrate.down({ migrationSource });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = ON');
      const before: Array<{ id: string; assessment_id: string; number: string }> = await knex('findings').orderBy('id').select('id', 'assessment_id', 'number');
      expect(before.length).to.be.greaterThan(5);

      await migrateLatest(knex);
      expect(await knex('findings').orderBy('id').select('id', 'assessment_id', 'number')).to.deep.equal(before);
      for (const a of new Set(before.map((f) => f.assessment_id))) {
        const highest = Math.max(...before.filter((f) => f.assessment_id === a).map((f) => Number(f.number.slice(1))));
        expect(Number((await knex('assessments').where({ id: a }).first()).finding_counter), a).to.equal(highest);
      }
    });
  },
  { migrate: false },
);
