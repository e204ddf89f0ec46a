import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

/**
 * The cloud extension numbers its control points from 1 in every layer, so a control point is
 * requirement set + layer + order. Grouping by layer + order alone folded 基础设施位置 into
 * 物理位置选择 and left 71 groups at level 3 instead of 87.
 */
describeEachEngine('control points per requirement set', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let orgId: string;
  let n = 0;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    orgId = (await demoOrganizations(ctx.db)).citybrain;
  });

  async function cloudAssessment(level: 3 | 4) {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: orgId, name: `云上系统 L${level} ${++n}`, deployment: 'cloud', extensions: { cloud: true } }).expect(201)).body;
    const business = [{ object: 'social', degree: level === 3 ? 'serious' : 'especially_serious' }];
    await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: business, serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。', gradedOn: '2026-01-05' }).expect(201);
    await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ objects: [{ category: 'server_storage', name: 'VM-01', importance: 'key' }] }).expect(201);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
    expect(a.requirementSets).to.deep.equal(['general', 'cloud']);
    return a as { id: string };
  }

  for (const level of [3, 4] as const) {
    it(`level ${level}: the summary has 71 general + 16 cloud control-point groups`, async () => {
      const a = await cloudAssessment(level);
      const summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
      const groups: Array<{ set: string; layer: string; controlPoint: { zh: string }; units: number }> = summary.byControlPoint;
      expect(groups.filter((g) => g.set === 'general')).to.have.length(71);
      expect(groups.filter((g) => g.set === 'cloud')).to.have.length(16);
      expect(groups).to.have.length(87);
      const pes = groups.filter((g) => g.layer === 'PES').map((g) => `${g.set}:${g.controlPoint.zh}:${g.units}`);
      expect(pes[0]).to.equal('general:物理位置选择:2');
      expect(pes.at(-1)).to.equal('cloud:基础设施位置:1');
      // Same-named points of the two sets stay apart, the general one first within its layer.
      const ces = groups.filter((g) => g.layer === 'CES' && g.controlPoint.zh === '访问控制').map((g) => g.set);
      expect(ces).to.deep.equal(['general', 'cloud']);
      // Every unit is in exactly one group.
      expect(groups.reduce((n, g) => n + g.units, 0)).to.equal(summary.units.total);
    });
  }

  it('appendix C of the report and the workspace show the cloud points as their own rows', async () => {
    const a = await cloudAssessment(3);
    const job = (await consultant.post(`/api/v1/assessments/${a.id}/reports`).send({ type: 'gap_analysis', format: 'html', lang: 'zh-CN' }).expect(202)).body;
    let status = job.status;
    for (let i = 0; i < 300 && status !== 'done' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await consultant.get(`/api/v1/reports/${job.id}`).expect(200)).body.status;
    }
    expect(status).to.equal('done');
    const html = (await auditor.get(`/api/v1/reports/${job.id}/download`).expect(200)).text;
    expect(html).to.match(/<td>PES<\/td><td>基础设施位置 <span class="tag">云计算安全扩展要求<\/span><\/td><td>1<\/td>/);
    expect(html).to.match(/<td>PES<\/td><td>物理位置选择<\/td><td>2<\/td>/);
    const page = (await consultant.get(`/assessments/${a.id}?layer=CES`).expect(200)).text;
    expect(page).to.contain('访问控制（云计算安全扩展要求）');
  });
});
