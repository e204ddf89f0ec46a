import { expect } from 'chai';
import type { Express } from 'express';
import { todayInChina } from '../../server/dates.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { level3Assessment, recordResults } from '../utils/assessments.js';
import { describeEachEngine } from '../utils/each-engine.js';

const REASONS = {
  relevance: '弱口令涉及核心业务服务器和数据库，直接关系业务数据安全。',
  severity: '可直接获取数据库管理员权限，导致重要数据泄露。',
  prevalence: '弱口令是攻防演练中最常被利用的入口。',
};

describeEachEngine('major risk hazards', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  const finding = async (assessmentId: string, title: string, units: string[], risk: string) =>
    (await consultant.post(`/api/v1/assessments/${assessmentId}/findings`).send({ title, units, risk }).expect(201)).body as { id: string; number: string };

  it('serves the 32 triggers of appendix G table 1 with source, confidence and units', async () => {
    const res = (await auditor.get('/api/v1/major-risk-triggers').expect(200)).body;
    expect(res.data).to.have.length(32);
    expect(res.confidence).to.match(/^medium/);
    const a18 = res.data.find((t: { code: string }) => t.code === 'A-18');
    expect(a18).to.deep.include({ layer: 'CES', controlPoint: '身份鉴别', unitMatch: 'exact', units: ['L3-CES1-01', 'L4-CES1-01'], confidence: 'medium' });
    expect(res.data.filter((t: { crossCutting: boolean }) => t.crossCutting).map((t: { code: string }) => t.code)).to.deep.equal(['A-27', 'A-28', 'A-29', 'A-30', 'A-31', 'A-32']);
  });

  it('records a hazard on several findings, numbers it Z01 for good, and moves it suspected → confirmed → remediated with dates', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const weak = await finding(a.id, '数据库服务器存在弱口令', ['L3-CES1-01'], 'medium');
    const audit = await finding(a.id, '审计记录保存不足', ['L3-MMS1-01'], 'low');

    // Suggestions come from the findings' units and confirm nothing.
    const suggestions = (await auditor.get(`/api/v1/assessments/${a.id}/hazards/suggestions`).expect(200)).body.data;
    const a18 = suggestions.find((s: { trigger: { code: string } }) => s.trigger.code === 'A-18');
    expect(a18).to.deep.include({ basis: 'requirement', recorded: [] });
    expect(a18.findings.map((f: { id: string }) => f.id)).to.deep.equal([weak.id]);
    expect(suggestions.some((s: { trigger: { crossCutting: boolean } }) => s.trigger.crossCutting)).to.equal(false);
    // Same control point, other requirement: a weaker suggestion; cloud triggers only where the cloud set is in scope.
    await finding(a.id, '边界未部署入侵防范', ['L3-ABS1-10'], 'medium');
    const more = (await auditor.get(`/api/v1/assessments/${a.id}/hazards/suggestions`).expect(200)).body.data;
    const basis = Object.fromEntries(more.map((s: { trigger: { code: string }; basis: string }) => [s.trigger.code, s.basis]));
    expect(basis).to.include({ 'A-18': 'requirement', 'A-13': 'requirement', 'A-19': 'control_point', 'A-14': 'control_point' });
    expect(basis).not.to.have.property('A-16');
    expect((await auditor.get(`/api/v1/assessments/${a.id}/hazards`)).body.data).to.deep.equal([]);

    // Auditors read only; another organisation sees nothing.
    await auditor.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [weak.id] }).expect(403);
    await officer2.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [weak.id] }).expect(404);

    const created = (await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [weak.id, audit.id], description: '弱口令叠加审计缺失' }).expect(201)).body;
    expect(created).to.deep.include({ number: 'Z01', status: 'suspected', allowedTransitions: ['confirmed'] });
    expect(created.dates).to.deep.equal({ suspected: todayInChina(), confirmed: null, remediated: null });
    // Its findings in number order (medium before low), whatever their risk.
    expect(created.findings.map((f: { id: string; effectiveRisk: string }) => `${f.id} ${f.effectiveRisk}`)).to.deep.equal([`${weak.id} medium`, `${audit.id} low`]);
    await officer2.get(`/api/v1/hazards/${created.id}`).expect(404);
    expect((await auditor.get(`/api/v1/hazards/${created.id}`).expect(200)).body.trigger.title.zh).to.equal('存在空口令、弱口令、通用口令或无身份鉴别措施');
    const again = (await auditor.get(`/api/v1/assessments/${a.id}/hazards/suggestions`)).body.data.find((s: { trigger: { code: string } }) => s.trigger.code === 'A-18');
    expect(again.recorded).to.deep.equal([{ id: created.id, number: 'Z01', status: 'suspected' }]);

    // Confirming needs a reason for each of the three principles.
    const noReasons = await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'confirmed', rowVersion: 1 }).expect(400);
    expect(noReasons.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['principles.relevance', 'principles.severity', 'principles.prevalence']);
    await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'remediated', rowVersion: 1 }).expect(409);
    const reasoned = (await consultant.patch(`/api/v1/hazards/${created.id}`).send({ rowVersion: 1, principles: REASONS }).expect(200)).body;
    expect(reasoned).to.deep.include({ rowVersion: 2, principles: REASONS });
    await consultant.patch(`/api/v1/hazards/${created.id}`).send({ rowVersion: 1, description: 'stale' }).expect(409);
    const early = await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'confirmed', rowVersion: 2, date: '2020-01-01' }).expect(400);
    expect(early.body.error.details[0].path).to.equal('date');
    const future = await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'confirmed', rowVersion: 2, date: '2099-01-01' }).expect(400);
    expect(future.body.error.details[0]).to.include({ path: 'date', code: 'future_date' });
    const confirmed = (await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'confirmed', rowVersion: 2 }).expect(200)).body;
    expect(confirmed).to.deep.include({ status: 'confirmed', allowedTransitions: ['remediated', 'suspected'] });
    expect(confirmed.dates.confirmed).to.equal(todayInChina());
    // A confirmed hazard keeps its reasons, is not removed, and its findings cannot be deleted under it.
    const cleared = await consultant.patch(`/api/v1/hazards/${created.id}`).send({ rowVersion: 3, principles: { severity: null } }).expect(400);
    expect(cleared.body.error.details[0].path).to.equal('principles.severity');
    await consultant.delete(`/api/v1/hazards/${created.id}`).expect(409);
    const del = await consultant.delete(`/api/v1/findings/${audit.id}`).expect(409);
    expect(del.body.error.message).to.contain('Z01');
    const remediated = (await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'remediated', rowVersion: 3 }).expect(200)).body;
    expect(remediated.dates).to.deep.equal({ suspected: todayInChina(), confirmed: todayInChina(), remediated: todayInChina() });
    await consultant.post(`/api/v1/hazards/${created.id}/transitions`).send({ to: 'suspected', rowVersion: 4 }).expect(409);

    // Bad input names the field; a finding of another assessment is not a basis.
    const { assessment: other } = await level3Assessment(officer, consultant, orgs.citybrain);
    const foreign = await finding(other.id, '其他测评的问题', ['L3-CES1-01'], 'high');
    const bad = await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-33', findingIds: [weak.id] }).expect(400);
    expect(bad.body.error.details[0].path).to.equal('triggerCode');
    const wrong = await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [weak.id, foreign.id] }).expect(400);
    expect(wrong.body.error.details[0].path).to.equal('findingIds.1');
    await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [] }).expect(400);

    // A cross-cutting trigger is recorded by hand; a removed suspected hazard keeps its number taken.
    const z02 = (await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-28', findingIds: [weak.id] }).expect(201)).body;
    expect(z02.number).to.equal('Z02');
    await consultant.delete(`/api/v1/hazards/${z02.id}`).expect(204);
    await auditor.get(`/api/v1/hazards/${z02.id}`).expect(404);
    const z03 = (await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-29', findingIds: [audit.id] }).expect(201)).body;
    expect(z03.number).to.equal('Z03');
    expect((await auditor.get(`/api/v1/assessments/${a.id}/hazards`)).body.data.map((h: { number: string }) => h.number)).to.deep.equal(['Z01', 'Z03']);

    // A new revision of the locked assessment keeps the hazards, their numbers and their findings.
    for (const [who, to] of [[consultant, 'in_progress'], [consultant, 'review'], [officer, 'completed'], [officer, 'locked']] as const) {
      await who.post(`/api/v1/assessments/${a.id}/transitions`).send({ to }).expect(200);
    }
    await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [weak.id] }).expect(409);
    const rev = (await consultant.post(`/api/v1/assessments/${a.id}/revisions`).expect(201)).body;
    const copied = (await auditor.get(`/api/v1/assessments/${rev.id}/hazards`)).body.data;
    expect(copied.map((h: { number: string; status: string }) => `${h.number} ${h.status}`)).to.deep.equal(['Z01 remediated', 'Z03 suspected']);
    const revFindings = new Set((await auditor.get(`/api/v1/assessments/${rev.id}/findings`)).body.data.map((f: { id: string }) => f.id));
    expect(copied[0].findings.every((f: { id: string }) => revFindings.has(f.id))).to.equal(true);
    expect(copied[0].findings).to.have.length(2);
  });

  it('feeds the number of confirmed hazards to the conclusion: a confirmed hazard at 95% does not give 符合', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    // About 5% of the units do not conform, the weak-password unit first.
    const units = await recordResults(consultant, a.id, (code, i) => code === 'L3-CES1-01' || i % 20 === 7);
    let summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    expect(summary.conclusion.value).to.be.within(0.94, 0.96);
    expect(summary.units.total).to.equal(units);
    expect(summary.conclusion.conclusion).to.equal('conform');
    expect(summary.hazards).to.deep.include({ total: 0, remediated: 0, counted: 0, display: { zh: '0', en: '0' } });

    const weak = await finding(a.id, '数据库服务器存在弱口令', ['L3-CES1-01'], 'medium');
    const h = (await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: 'A-18', findingIds: [weak.id], principles: REASONS }).expect(201)).body;
    // A suspected hazard is not yet judged: it does not count.
    summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(summary.hazards).to.deep.include({ total: 0, suspected: 1, counted: 0 });
    expect(summary.conclusion.conclusion).to.equal('conform');

    await consultant.post(`/api/v1/hazards/${h.id}/transitions`).send({ to: 'confirmed', rowVersion: 1 }).expect(200);
    summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(summary.hazards).to.deep.include({ total: 1, confirmed: 1, remediated: 0, counted: 1, display: { zh: '1', en: '1' } });
    expect(summary.hazards.list).to.deep.equal([{ id: h.id, number: 'Z01', trigger: 'A-18', title: h.trigger.title, status: 'confirmed', findings: [weak.number] }]);
    expect(summary.conclusion.value).to.be.within(0.94, 0.96);
    expect(summary.conclusion.conclusion).not.to.equal('conform');
    expect(summary.conclusion.rule.zh).to.contain('重大风险隐患 1 个');
  });

  it('counts hazards before remediation with the remediated ones marked: 10（5个已整改）', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const f = await finding(a.id, '多项安全问题', ['L3-CES1-01', 'L3-ABS1-10'], 'high');
    for (let i = 0; i < 11; i++) {
      const h = (await consultant.post(`/api/v1/assessments/${a.id}/hazards`).send({ triggerCode: i % 2 ? 'A-18' : 'A-13', findingIds: [f.id], principles: REASONS }).expect(201)).body;
      if (i === 10) break; // the eleventh stays suspected
      await consultant.post(`/api/v1/hazards/${h.id}/transitions`).send({ to: 'confirmed', rowVersion: 1 }).expect(200);
      if (i < 5) await consultant.post(`/api/v1/hazards/${h.id}/transitions`).send({ to: 'remediated', rowVersion: 2 }).expect(200);
    }
    const summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(summary.hazards).to.deep.include({ total: 10, remediated: 5, confirmed: 5, suspected: 1, counted: 5, display: { zh: '10（5个已整改）', en: '10 (5 remediated)' } });
    expect(summary.conclusion.rule.zh).to.contain('重大风险隐患 5 个');
    expect(summary.hazards.list.map((h: { number: string }) => h.number)).to.deep.equal(['Z01', 'Z02', 'Z03', 'Z04', 'Z05', 'Z06', 'Z07', 'Z08', 'Z09', 'Z10', 'Z11']);
  });
});
