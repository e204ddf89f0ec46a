import { expect } from 'chai';
import path from 'node:path';
import { migrateLatest, migrationStatus } from '../../server/database/index.js';
import { migrationSource } from '../../server/database/migrations/index.js';
import { loadDemoData } from '../../server/services/demo.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { describeEachEngine } from '../utils/each-engine.js';

const HAZARDS = '20261130B-hazards';
/** Tables and the column that orders them. */
const KEPT: Record<string, string> = { organizations: 'id', users: 'id', systems: 'id', assessments: 'id', assessment_results: 'id', findings: 'id', remediations: 'finding_id', evidence: 'id', evidence_links: 'id' };

describeEachEngine(
  'migration 20261130B-hazards',
  (ctx) => {
    it('keeps every existing assessment, result and finding, and starts with no hazard', async function () {
      this.timeout(120_000);
      const knex = ctx.db.knex;
      // An install as it was just before this migration: the demo data is loaded with today's schema
      // (its loader knows only today's columns), then every migration from this one on is rolled back.
      await migrateLatest(knex);
      await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')) });
      // SQLite rebuilds a table to drop a column; with foreign keys on, dropping the old users table fails.
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = OFF');
      while ((await migrationStatus(knex)).completed.includes(HAZARDS)) await knex.migrate.down({ migrationSource });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = ON');
      expect(await knex.schema.hasTable('hazards')).to.equal(false);
      const snapshot = async () => Object.fromEntries(await Promise.all(Object.entries(KEPT).map(async ([t, key]) => [t, await knex(t).orderBy(key)] as const)));
      const before = await snapshot();
      expect(before.findings!.length).to.be.greaterThan(5);

      await migrateLatest(knex);
      expect((await migrationStatus(knex)).completed).to.include(HAZARDS);
      // Later migrations may add columns: every column the old install had keeps its values.
      const after = await snapshot();
      for (const [table, rows] of Object.entries(before)) {
        const cols = rows.length ? Object.keys(rows[0]) : [];
        expect(after[table]!.map((r: Record<string, unknown>) => Object.fromEntries(cols.map((c) => [c, r[c]]))), table).to.deep.equal(rows);
      }
      expect(await knex('hazards').count({ n: '*' }).first()).to.deep.equal({ n: ctx.engine === 'postgres' ? '0' : 0 });
      // The findings a confirmed high-risk case made "major risks" stay findings: nothing is turned into a hazard unasked.
      expect(await knex('hazard_findings').count({ n: '*' }).first()).to.deep.equal({ n: ctx.engine === 'postgres' ? '0' : 0 });
    });
  },
  { migrate: false },
);
