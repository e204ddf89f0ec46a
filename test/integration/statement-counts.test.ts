import { expect } from 'chai';
import type { Express } from 'express';
import { seedPortfolio, PORTFOLIO_PASSWORD, type Portfolio } from '../../bench/seed/portfolio.js';
import { assembleReport } from '../../reports/test-report/assemble.js';
import { shippedCatalogue } from '../../server/catalogue/index.js';
import { SUMMARY_TRIGGER_TABLES } from '../../server/database/migrations/20261201R-assessment-summaries.js';
import { DEADLINE_SOURCE_TABLES } from '../../server/database/migrations/20261201S-organization-versions.js';
import { loadCaller } from '../../server/services/callers.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { countStatements } from '../utils/statements.js';
import { buildArtefact } from '../../reports/artefacts.js';

/**
 * Reads that must not grow with the portfolio: the same statements answer for a small portfolio
 * and one five times larger, under a fixed ceiling. Counted warm (after one unmeasured call: the
 * dashboard's per-assessment summaries are kept after the first read).
 */
// Today's counts, sign-in checks included (5 per request, 6 on pages): a change that adds a
// statement raises the ceiling on purpose, in review. Summary, workspace, assembly and pack load
// the assessment once into a snapshot (server/assessments/snapshot.ts); before it they read the
// assessment row 3–9 times each (summary 16, workspace 26, assembly 37, pack 39 statements).
// The pack's evidence links are read per 500 result ids: its count grows with the assessment's
// size, not the portfolio's (the seeded assessments have fewer than 1,000 rows).
const CEILING: Record<string, number> = {
  dashboard: 15,
  deadlines: 6,
  summary: 14,
  workspace: 19,
  assembly: 18,
  pack: 27,
};

const catalogue = shippedCatalogue();

describeEachEngine('SQL statements per read, independent of the portfolio size', (ctx) => {
  let app: Express;
  const counts: Record<string, Record<string, number>> = {};

  /** The layer with the most result rows in an assessment: the heaviest workspace page. */
  async function largestLayer(assessmentId: string): Promise<string> {
    const rows: Array<{ code: string }> = await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId }).select('code');
    const n = new Map<string, number>();
    for (const r of rows) {
      const layer = catalogue.byCode.get(r.code)!.layer;
      n.set(layer, (n.get(layer) ?? 0) + 1);
    }
    return [...n].sort((a, b) => b[1] - a[1])[0]![0];
  }

  async function measure(label: string, p: Portfolio): Promise<void> {
    const knex = ctx.db.knex;
    const agent: Agent = await signIn(app, p.officerUsername, PORTFOLIO_PASSWORD);
    const officer = await knex('users').where({ username: p.officerUsername }).first();
    const caller = (await loadCaller(knex, officer.id, 'system'))!;
    const assessmentId = p.assessmentIds[0]!;
    const layer = await largestLayer(assessmentId);
    const ops: Record<string, () => Promise<unknown>> = {
      dashboard: async () => expect((await agent.get('/')).status).to.equal(200),
      deadlines: async () => expect((await agent.get('/api/v1/deadlines?within=365')).status).to.equal(200),
      summary: async () => expect((await agent.get(`/api/v1/assessments/${assessmentId}/summary`)).status).to.equal(200),
      workspace: async () => expect((await agent.get(`/assessments/${assessmentId}?layer=${layer}`)).status).to.equal(200),
      assembly: () => assembleReport(knex, caller, catalogue, assessmentId, 'test_report', 'zh-CN', '2026-11-30'),
      // The pack is built in a job (the route queues it and polls, a count that depends on timing): count the build itself.
      pack: async () => {
        const built = await buildArtefact(knex, caller, app.locals.deps.store, { type: 'evidence_pack', assessment_id: assessmentId });
        built.body.resume();
        await built.done;
      },
    };
    counts[label] = {};
    for (const [name, op] of Object.entries(ops)) {
      await op(); // warm: summaries kept, catalogue scope read once
      const c = await countStatements(knex, op);
      counts[label]![name] = c.count;
      if (process.env.DEBUG_STATEMENTS) console.log(label, name, c.count, c.sql.map((s) => s.slice(0, 150)));
    }
  }

  before(async function () {
    this.timeout(300_000);
    app = await createTestApp(ctx.db);
    await measure('small', await seedPortfolio(ctx.db.knex, { systems: 20, assessments: 2, seed: 11 }));
    await measure('large', await seedPortfolio(ctx.db.knex, { systems: 100, assessments: 10, seed: 12 }));
  });

  for (const name of Object.keys(CEILING)) {
    it(`${name}: the same count for 20 and 100 systems, at most ${CEILING[name]}`, () => {
      expect(counts.large![name], `large ${JSON.stringify(counts)}`).to.equal(counts.small![name]);
      expect(counts.small![name]).to.be.at.most(CEILING[name]!);
    });
  }

  // SQLite drops a table's triggers when a later migration rebuilds the table: the kept summaries and deadlines would go stale.
  it('keeps the triggers that invalidate kept summaries and deadlines after the latest migration', async () => {
    const knex = ctx.db.knex;
    const names: string[] =
      ctx.engine === 'postgres'
        ? (await knex.raw(`select tgname as name from pg_trigger where not tgisinternal`)).rows.map((r: { name: string }) => r.name)
        : (await knex.raw(`select name from sqlite_master where type = 'trigger'`)).map((r: { name: string }) => r.name);
    for (const table of Object.keys(SUMMARY_TRIGGER_TABLES)) expect(names.some((n) => n.startsWith(`assessment_summaries_stale_${table}`)), table).to.equal(true);
    for (const table of DEADLINE_SOURCE_TABLES) expect(names.some((n) => n.startsWith(`organization_versions_${table}`)), table).to.equal(true);
  });
});
