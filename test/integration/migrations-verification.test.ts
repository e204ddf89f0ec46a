import { expect } from 'chai';
import path from 'node:path';
import { migrateLatest, migrationStatus } from '../../server/database/index.js';
import { migrationSource } from '../../server/database/migrations/index.js';
import { loadDemoData } from '../../server/services/demo.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { describeEachEngine } from '../utils/each-engine.js';

const VERIFICATION = '20261130J-verification';
const KEPT: Record<string, string> = { assessments: 'id', assessment_results: 'id', findings: 'id', remediations: 'finding_id', hazards: 'id', evidence: 'id', evidence_links: 'id' };

describeEachEngine(
  'migration 20261130J-verification',
  (ctx) => {
    it('keeps every assessment, result, finding and hazard; findings start with no risk analysis or compensation', async function () {
      this.timeout(120_000);
      const knex = ctx.db.knex;
      // An install as it was just before this migration: the demo data is loaded with today's schema
      // (its loader knows only today's columns), then this migration and every later one are rolled
      // back (SQLite rebuilds a table to drop a column: foreign keys off meanwhile).
      await migrateLatest(knex);
      await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')) });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = OFF');
      while ((await migrationStatus(knex)).completed.includes(VERIFICATION)) await knex.migrate.down({ migrationSource });
      if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = ON');
      const snapshot = async () => Object.fromEntries(await Promise.all(Object.entries(KEPT).map(async ([t, key]) => [t, await knex(t).orderBy(key)] as const)));
      const before = await snapshot();
      expect(before.findings!.length).to.be.greaterThan(5);
      expect(before.remediations!.length).to.equal(before.findings!.length);
      await migrateLatest(knex);
      const after = await snapshot();
      const project = (rows: Array<Record<string, unknown>>, like: Array<Record<string, unknown>>) => rows.map((r, i) => Object.fromEntries(Object.keys(like[i] ?? {}).map((k) => [k, r[k]])));
      expect(Object.fromEntries(Object.entries(after).map(([t, rows]) => [t, project(rows, before[t]!)]))).to.deep.equal(before);
      for (const f of after.findings!) expect([f.threat_codes, f.likelihood, f.impact, f.risk_override_reason, f.compensation_id]).to.deep.equal([null, null, null, null, null]);
      expect(Number((await knex('scans').count({ n: '*' }).first())!.n)).to.equal(0);
    });
  },
  { migrate: false },
);
