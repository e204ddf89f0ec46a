import { expect } from 'chai';
import { seedPortfolio, PORTFOLIO_PASSWORD } from '../../bench/seed/portfolio.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { newId } from '../../server/util.js';
import { SummaryService } from '../../server/assessments/summary.js';

/**
 * What the dashboard and the deadlines keep between requests is never stale: a write by any path
 * (here raw SQL, as another process or an import would) shows on the next read.
 */
describeEachEngine('kept summaries and deadlines follow every write', (ctx) => {
  let agent: Agent;
  let assessmentId: string;
  let systemId: string;
  let systemName: string;

  before(async function () {
    this.timeout(120_000);
    const app = await createTestApp(ctx.db);
    const p = await seedPortfolio(ctx.db.knex, { systems: 12, assessments: 1, seed: 21 });
    assessmentId = p.assessmentIds[0]!;
    const a = await ctx.db.knex('assessments').where({ id: assessmentId }).first();
    systemId = a.system_id;
    systemName = (await ctx.db.knex('systems').where({ id: systemId }).first()).name;
    agent = await signIn(app, p.officerUsername, PORTFOLIO_PASSWORD);
  });

  const rateOnDashboard = async () => {
    const html = (await agent.get('/').set('Accept-Language', 'en')).text;
    const row = html.split('<tr>').find((r) => r.includes(`/systems/${systemId}"`));
    expect(row, systemName).to.be.a('string');
    return /(\d+(?:\.\d+)?)%/.exec(row!)?.[1];
  };

  it('the dashboard shows an assessment’s rate from its kept summary, and the new rate right after its results change', async () => {
    const before = await rateOnDashboard();
    expect(before).to.be.a('string');
    expect(await ctx.db.knex('assessment_summaries').where({ assessment_id: assessmentId }).first()).to.not.equal(undefined);
    await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId }).update({ value: 'conform' });
    expect(await ctx.db.knex('assessment_summaries').where({ assessment_id: assessmentId }).first()).to.equal(undefined);
    expect(Number(await rateOnDashboard())).to.equal(100);
    await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId }).update({ value: 'nonconform' });
    expect(Number(await rateOnDashboard())).to.equal(0);
  });

  it('a write that lands while a summary is computed is not hidden by the stored result', async () => {
    await ctx.db.knex('assessment_summaries').where({ assessment_id: assessmentId }).delete();
    const original = SummaryService.prototype.summary;
    // Another request writes after this one has read the results, before it stores the digest.
    SummaryService.prototype.summary = async function (this: SummaryService, ...args: Parameters<typeof original>) {
      const s = await original.apply(this, args);
      await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId }).update({ value: 'conform' });
      return s;
    };
    try {
      await rateOnDashboard();
    } finally {
      SummaryService.prototype.summary = original;
    }
    const row = await ctx.db.knex('assessment_summaries').where({ assessment_id: assessmentId }).first();
    expect(row, 'nothing stale kept').to.equal(undefined);
    expect(Number(await rateOnDashboard())).to.equal(100); // recomputed from what is stored now (was all 不符合)
  });

  it('a new finding with a high risk changes the kept conclusion too (findings are a source)', async () => {
    await rateOnDashboard();
    await ctx.db.knex('findings').where({ assessment_id: assessmentId }).update({ risk: 'high' });
    expect(await ctx.db.knex('assessment_summaries').where({ assessment_id: assessmentId }).first()).to.equal(undefined);
  });

  it('the dashboard’s counts by stage follow a system moved behind its back', async () => {
    const stageCount = async () => Number(/Supervision \((\d+)\)/.exec((await agent.get('/').set('Accept-Language', 'en')).text)?.[1]);
    const before = await stageCount();
    expect(before).to.not.be.NaN;
    const { status } = await ctx.db.knex('systems').where({ id: systemId }).first();
    await ctx.db.knex('systems').where({ id: systemId }).update({ status: status === 'supervision' ? 'filed' : 'supervision' });
    expect(await stageCount()).to.equal(status === 'supervision' ? before - 1 : before + 1);
  });

  it('GET /deadlines shows a rectification notice written behind its back on the next request', async () => {
    const q = `/api/v1/deadlines?within=365&type=rectification_due&systemId=${systemId}`;
    const first = await agent.get(q);
    expect(first.status).to.equal(200);
    const officer = await ctx.db.knex('users').where({ username: 'portfolio-officer-21' }).first();
    const sys = await ctx.db.knex('systems').where({ id: systemId }).first();
    await ctx.db.knex('inspections').insert({
      id: newId(), system_id: systemId, organization_id: sys.organization_id, kind: 'supervision', inspected_on: '2026-11-01', organ: '公安机关',
      result: '发现问题', notice: '限期整改', notice_due: '2026-12-20', rectified_on: null, created_by: officer.id, created_at: new Date().toISOString(),
    });
    const second = await agent.get(q);
    expect(second.body.data.length).to.equal(first.body.data.length + 1);
    expect(second.body.data.every((d: { type: string; systemId: string }) => d.type === 'rectification_due' && d.systemId === systemId)).to.equal(true);
  });

  it('GET /deadlines pages with pageSize and cursor (Link rel="next", X-Total-Count) and filters by due date', async () => {
    const all = await agent.get('/api/v1/deadlines?within=3660&pageSize=500');
    expect(all.status).to.equal(200);
    const total = Number(all.headers['x-total-count']);
    expect(total).to.equal(all.body.data.length).and.to.be.greaterThan(5);
    const seen: string[] = [];
    let next: string | undefined = '/api/v1/deadlines?within=3660&pageSize=4';
    while (next) {
      const res = await agent.get(next);
      expect(res.status).to.equal(200);
      expect(res.body.data.length).to.be.at.most(4);
      seen.push(...res.body.data.map((d: { type: string; subject: { id: string } }) => `${d.type}|${d.subject.id}`));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
    }
    expect(seen).to.deep.equal(all.body.data.map((d: { type: string; subject: { id: string } }) => `${d.type}|${d.subject.id}`));
    const cutoff = all.body.data[Math.floor(total / 2)].dueDate as string;
    const before = await agent.get(`/api/v1/deadlines?within=3660&pageSize=500&dueBefore=${cutoff}`);
    expect(before.body.data.length).to.be.greaterThan(0);
    expect(before.body.data.every((d: { dueDate: string }) => d.dueDate <= cutoff)).to.equal(true);
    expect((await agent.get('/api/v1/deadlines?cursor=nonsense')).status).to.equal(400);
    expect((await agent.get('/api/v1/deadlines?pageSize=501')).status).to.equal(400);
  });
});
