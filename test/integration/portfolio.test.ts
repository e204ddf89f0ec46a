import { expect } from 'chai';
import path from 'node:path';
import { seedPortfolio, PORTFOLIO_PASSWORD } from '../../bench/seed/portfolio.js';
import { migrateLatest, type Knex } from '../../server/database/index.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { createTestApp, signIn } from '../utils/app.js';
import { createTestDatabase } from '../utils/database.js';
import { describeEachEngine } from '../utils/each-engine.js';

const count = async (knex: Knex, table: string) => Number((await knex(table).count({ n: '*' }).first())?.n ?? 0);

/** What identifies a generated portfolio's content: names, levels, result values and ids. */
async function fingerprint(knex: Knex, orgIds: string[]) {
  const systems = await knex('systems').whereIn('organization_id', orgIds).orderBy('id').select('id', 'name', 'status');
  const gradings = await knex('gradings').whereIn('organization_id', orgIds).orderBy('id').select('id', 'notation', 'approved_on');
  const results = await knex('assessment_results').whereIn('organization_id', orgIds).orderBy('id').select('id', 'code', 'object_key', 'value');
  const findings = await knex('findings').whereIn('organization_id', orgIds).orderBy('id').select('id', 'title', 'risk');
  return { systems, gradings, results, findings };
}

describeEachEngine('generated portfolio (bench/seed)', (ctx) => {
  it('creates 30 systems at a realistic level mix with gradings, filings, 3 assessments with results, findings and evidence files', async function () {
    this.timeout(120_000);
    const store = new FsBlobStore(path.join(ctx.db.dataDir, 'evidence'));
    const p = await seedPortfolio(ctx.db.knex, { systems: 30, assessments: 3, seed: 7, store });
    const knex = ctx.db.knex;
    expect(await count(knex, 'systems')).to.equal(30);
    expect(p.assessmentIds).to.have.length(3);
    const levels = (await knex('gradings').select('level')).map((g: { level: number }) => Number(g.level));
    expect(levels).to.have.length(30);
    expect(levels.filter((l) => l === 2 || l === 3).length, 'mostly level 2 and 3').to.be.at.least(21);
    expect(levels.every((l) => l >= 1 && l <= 4)).to.equal(true);
    expect(await count(knex, 'filings')).to.be.within(10, 30);
    expect(await count(knex, 'assessed_objects')).to.be.at.least(30 * 15);
    for (const id of p.assessmentIds) {
      const a = await knex('assessments').where({ id }).first();
      const n = Number((await knex('assessment_results').where({ assessment_id: id }).count({ n: '*' }).first())?.n);
      expect(n, `level ${a.level}`).to.be.at.least(Number(a.level) >= 3 ? 600 : 400);
    }
    expect(await count(knex, 'findings')).to.be.at.least(3 * 3);
    expect(await count(knex, 'remediations')).to.equal(await count(knex, 'findings'));
    expect(await count(knex, 'evidence')).to.equal(6);
    const versions = await knex('evidence_versions').select('organization_id', 'hash');
    for (const v of versions) expect(await store.verify(v.organization_id, v.hash)).to.equal('ok');
  });

  it('is deterministic: the same seed gives the same names, values and ids (on either engine)', async function () {
    this.timeout(120_000);
    const other = await createTestDatabase('sqlite');
    try {
      await migrateLatest(other.knex);
      const q = await seedPortfolio(other.knex, { systems: 30, assessments: 3, seed: 7 });
      const orgs = (await ctx.db.knex('organizations').whereLike('name', '组合测评机构7-%').select('id')).map((o: { id: string }) => o.id);
      expect(orgs).to.deep.equal(q.organizationIds);
      const a = await fingerprint(ctx.db.knex, orgs);
      const b = await fingerprint(other.knex, q.organizationIds);
      expect(a.systems.length).to.equal(30);
      expect(a).to.deep.equal(b);
      const different = await seedPortfolio(other.knex, { systems: 30, assessments: 3, seed: 8 });
      const c = await fingerprint(other.knex, different.organizationIds);
      expect(c.systems.map((s: { name: string }) => s.name)).to.not.deep.equal(a.systems.map((s: { name: string }) => s.name));
    } finally {
      await other.drop();
    }
  });

  it('is read by the app: the dashboard and GET /api/v1/systems answer for the seeded organisation', async function () {
    this.timeout(120_000);
    const app = await createTestApp(ctx.db);
    const org = (await ctx.db.knex('organizations').whereLike('name', '组合测评机构7-%').first()).id as string;
    const agent = await signIn(app, 'portfolio-officer-7', PORTFOLIO_PASSWORD);
    const names = (await ctx.db.knex('systems').where({ organization_id: org }).orderBy('name').select('name')).map((s: { name: string }) => s.name);
    const page = await agent.get('/').set('Accept-Language', 'en');
    expect(page.status).to.equal(200);
    for (const n of names.slice(0, 5)) expect(page.text).to.contain(n);
    expect(page.text).to.match(/\d+(\.\d+)?%/); // an assessed system's compliance rate
    const api = await agent.get(`/api/v1/systems?organizationId=${org}`);
    expect(api.status).to.equal(200);
    const list = Array.isArray(api.body) ? api.body : api.body.data;
    expect(list.map((s: { name: string }) => s.name).sort()).to.deep.equal([...names].sort());
  });
});
