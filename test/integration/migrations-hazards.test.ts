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
      // Apply every migration before this one, then fill the database as a running install would have.
      while ((await migrationStatus(knex)).pending[0] !== HAZARDS) await knex.migrate.up({ migrationSource });
      expect(await knex.schema.hasTable('hazards')).to.equal(false);
      await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')) });
      const snapshot = async () => Object.fromEntries(await Promise.all(Object.entries(KEPT).map(async ([t, key]) => [t, await knex(t).orderBy(key)] as const)));
      const before = await snapshot();
      expect(before.findings!.length).to.be.greaterThan(5);

      await migrateLatest(knex);
      expect((await migrationStatus(knex)).completed).to.include(HAZARDS);
      // Later migrations may add columns: the existing ones keep their values.
      const after = await snapshot();
      const project = (rows: Array<Record<string, unknown>>, like: Array<Record<string, unknown>>) => rows.map((r, i) => Object.fromEntries(Object.keys(like[i] ?? {}).map((k) => [k, r[k]])));
      expect(Object.fromEntries(Object.entries(after).map(([t, rows]) => [t, project(rows, before[t]!)]))).to.deep.equal(before);
      expect(await knex('hazards').count({ n: '*' }).first()).to.deep.equal({ n: ctx.engine === 'postgres' ? '0' : 0 });
      // The findings a confirmed high-risk case made "major risks" stay findings: nothing is turned into a hazard unasked.
      expect(await knex('hazard_findings').count({ n: '*' }).first()).to.deep.equal({ n: ctx.engine === 'postgres' ? '0' : 0 });
    });
  },
  { migrate: false },
);
