import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { shippedCatalogue } from '../../server/catalogue/index.js';
import { allPages } from '../utils/pages.js';

const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';
const harms = (object: string, degree: string) => [{ object, degree }];

describeEachEngine('assessments', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };
  let n = 0;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  /** A graded system (level 3, or 2/4) with objects: 2 servers, 1 business application, 1 data set. */
  async function system(level: 2 | 3 | 4 = 3, deployment: 'cloud' | 'on_premises' = 'on_premises') {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: orgs.citybrain, name: `Assessed ${++n}`, deployment }).expect(201)).body;
    const b = level === 2 ? harms('citizens', 'serious') : level === 3 ? harms('social', 'serious') : harms('social', 'especially_serious');
    await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: b, serviceHarms: harms('citizens', 'general'), rationale: RATIONALE, gradedOn: '2026-01-05' }).expect(201);
    const objects = (
      await consultant
        .post(`/api/v1/systems/${sys.id}/objects`)
        .send({
          objects: [
            { category: 'server_storage', name: 'APP-SRV-01', ip: '10.0.1.11', importance: 'key' },
            { category: 'server_storage', name: 'DB-SRV-01', ip: '10.0.1.21', importance: 'key' },
            { category: 'business_application', name: '城市运行平台', importance: 'key' },
            { category: 'data_resource', name: '重要业务数据', importance: 'important' },
          ],
        })
        .expect(201)
    ).body.data;
    return { sys, objects };
  }

  async function assessment(level: 2 | 3 | 4 = 3, deployment: 'cloud' | 'on_premises' = 'on_premises') {
    const s = await system(level, deployment);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: s.sys.id, kind: 'gap_analysis' }).expect(201)).body;
    return { ...s, a };
  }

  it('demo: the city-brain formal test in progress has the pinned summary', async () => {
    const [demo] = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data.filter((x: { kind: string }) => x.kind === 'formal_test');
    expect(demo).to.include({ level: 3, reportNumber: '33010043001-25001-26-0123-01', assessingOrganizationCode: '0123' });
    expect(demo.requirementSets).to.deep.equal(['general', 'cloud']);
    const objects = (await auditor.get(`/api/v1/systems/${demo.systemId}/objects`)).body.data;
    expect(objects).to.have.length(20);
    // The scope computed independently from the catalogue (level 3, general + cloud) and the 20 objects.
    let rows = 0;
    for (const u of shippedCatalogue().query({ level: 3 }).filter((x) => demo.requirementSets.includes(x.set))) {
      const cats = u.objectCategories as string[];
      rows += cats.includes('system') ? 1 : Math.max(1, objects.filter((o: { category: string }) => cats.includes(o.category)).length);
    }
    expect(rows).to.equal(700);
    const summary = (await auditor.get(`/api/v1/assessments/${demo.id}/summary`).expect(200)).body;
    expect(summary.progress).to.deep.equal({ assessed: 682, total: 700 });
    expect(summary.units).to.deep.equal({ total: 257, complete: 241, counts: { conform: 188, partial: 40, nonconform: 4, na: 9 }, applicable: 232 });
    expect(summary.inheritance).to.include({ state: 'applied', inheritedUnits: 52 });
    expect(summary.inheritedResults).to.equal(106);
    expect(summary.findings).to.deep.equal({ total: 12, byRisk: { high: 0, medium: 8, low: 4 }, previous: 0 });
    expect(summary.hazards).to.deep.include({ total: 0, remediated: 0, counted: 0, list: [] });
    expect(summary.conclusion).to.include({ conclusion: 'basic', provisional: true });
    expect(summary.conclusion.value).to.be.closeTo(188 / 232, 1e-9);
    const findings = (await auditor.get(`/api/v1/assessments/${demo.id}/findings`)).body.data;
    expect(findings[0]).to.deep.include({ number: 'T001', title: '部分服务器存在弱口令', effectiveRisk: 'medium' });
    expect(findings[0].highRiskCase).to.include({ id: '6.4.1.1', status: 'confirmed' });
    const stages = findings.map((f: { remediation: { status: string } }) => f.remediation.status).sort();
    expect(stages).to.include.members(['open', 'in_progress', 'fixed', 'verified', 'risk_accepted']);
  });

  it('generates one result per unit and applicable object (system units once), counted from the catalogue', async () => {
    const { a, objects } = await assessment(3);
    expect(a).to.include({ level: 3, status: 'draft', scheme: 'mlps-2025' });
    expect(a.requirementSets).to.deep.equal(['general']);
    const results = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    // Expected rows, computed here from the catalogue: per unit, the objects whose category it applies to, else one system row.
    const cats = objects.map((o: { category: string }) => o.category);
    let expected = 0;
    for (const u of shippedCatalogue().query({ level: 3, set: 'general' })) {
      if ((u.objectCategories as string[]).includes('system')) expected += 1;
      else expected += Math.max(1, cats.filter((c: string) => (u.objectCategories as string[]).includes(c)).length);
    }
    expect(results).to.have.length(expected);
    const ces01 = results.filter((r: { code: string }) => r.code === 'L3-CES1-01');
    expect(ces01.map((r: { objectName: string }) => r.objectName).sort()).to.deep.equal(['APP-SRV-01', 'DB-SRV-01', '城市运行平台']);
    expect(results.filter((r: { code: string }) => r.code === 'L3-PSS1-01')).to.have.length(1);
    expect(results.every((r: { value: string; rowVersion: number }) => r.value === 'not_assessed' && r.rowVersion === 1)).to.equal(true);
  });

  it('takes the cloud set in scope for a cloud system and follows object selection', async () => {
    const { a, sys } = await assessment(3, 'cloud');
    expect(a.requirementSets).to.deep.equal(['general', 'cloud']);
    const before = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`)).length;
    const fw = (await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ category: 'security_device', name: 'FW-01', importance: 'key' }).expect(201)).body;
    const after = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const added = shippedCatalogue().query({ level: 3 }).filter((u) => ['general', 'cloud'].includes(u.set) && !(u.objectCategories as string[]).includes('system') && (u.objectCategories as string[]).includes('security_device')).length;
    expect(after.length).to.equal(before + added);
    await consultant.patch(`/api/v1/objects/${fw.id}`).send({ selected: false }).expect(200);
    expect((await allPages(auditor, `/api/v1/assessments/${a.id}/results`)).length).to.equal(before);
  });

  it('records results with row versions: a stale write is 409 with the current row', async () => {
    const { a, objects } = await assessment();
    const put = await consultant
      .put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`)
      .send({ objectId: objects[0].id, value: 'conform', record: '已启用口令复杂度策略', methods: ['inspection', 'testing'], rowVersion: 1 })
      .expect(200);
    expect(put.body).to.include({ value: 'conform', rowVersion: 2, record: '已启用口令复杂度策略' });
    expect((await auditor.get(`/api/v1/assessments/${a.id}`)).body.status).to.equal('in_progress');
    const stale = await officer.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: objects[0].id, value: 'nonconform', rowVersion: 1 }).expect(409);
    expect(stale.body.error.details[0].current).to.include({ value: 'conform', rowVersion: 2 });
    const system = await consultant.put(`/api/v1/assessments/${a.id}/results/L3-PSS1-01`).send({ value: 'partial', rowVersion: 1 }).expect(200);
    expect(system.body.objectId).to.equal(null);
  });

  it('rejects out-of-scope units, wrong objects and bad values, naming them', async () => {
    const { a, objects } = await assessment();
    const outOfScope = await consultant.put(`/api/v1/assessments/${a.id}/results/L4-CES1-01`).send({ objectId: objects[0].id, value: 'conform', rowVersion: 1 }).expect(400);
    expect(outOfScope.body.error.details[0]).to.include({ code: 'out_of_scope', unit: 'L4-CES1-01' });
    const wrongObject = await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: objects[3].id, value: 'conform', rowVersion: 1 }).expect(400);
    expect(wrongObject.body.error.details[0]).to.include({ path: 'objectId', code: 'object_not_applicable' });
    const badValue = await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: objects[0].id, value: 'maybe', rowVersion: 1 }).expect(400);
    expect(badValue.body.error.details[0].path).to.equal('value');
  });

  it('applies a bulk write all or nothing', async () => {
    const { a, objects } = await assessment();
    const good = { code: 'L3-CES1-01', objectId: objects[0].id, value: 'conform', rowVersion: 1 };
    const bad = { code: 'L3-CES1-02', objectId: objects[3].id, value: 'conform', rowVersion: 1 };
    const res = await consultant.post(`/api/v1/assessments/${a.id}/results/bulk`).send({ results: [good, bad] }).expect(400);
    expect(res.body.error.details[0].path).to.equal('results.1.objectId');
    const unchanged = (await allPages(auditor, `/api/v1/assessments/${a.id}/results?value=conform`));
    expect(unchanged).to.have.length(0);
    const ok = await consultant.post(`/api/v1/assessments/${a.id}/results/bulk`).send({ results: [good, { ...good, objectId: objects[1].id }] }).expect(200);
    expect(ok.body.data.map((r: { rowVersion: number }) => r.rowVersion)).to.deep.equal([2, 2]);
  });

  it('summarises per layer with the conclusion and the numbers of its rule', async () => {
    const { a } = await assessment();
    const results = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    // Every PSS unit conforms, every other result is not applicable, except HRS: nonconform.
    const bulk = results.map((r: { code: string; objectId: string | null; rowVersion: number }) => ({
      code: r.code,
      objectId: r.objectId,
      rowVersion: r.rowVersion,
      value: r.code.includes('-PSS1-') ? 'conform' : r.code.includes('-HRS1-') ? 'nonconform' : 'na',
    }));
    await consultant.post(`/api/v1/assessments/${a.id}/results/bulk`).send({ results: bulk }).expect(200);
    const summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    // 7 PSS units conform, 12 HRS units do not: 7 / 19.
    expect(summary.units.counts).to.include({ conform: 7, nonconform: 12, partial: 0 });
    expect(summary.progress.assessed).to.equal(summary.progress.total);
    expect(summary.conclusion).to.include({ conclusion: 'nonconform', provisional: false });
    expect(summary.conclusion.value).to.be.closeTo(7 / 19, 1e-9);
    expect(summary.conclusion.rule.zh).to.contain('符合 7 ÷ 适用测评项 19');
    const pss = summary.byLayer.find((l: { layer: string }) => l.layer === 'PSS');
    expect(pss).to.include({ rate: 1, units: 7 });
    const mgmt = summary.byDomain.find((d: { domain: string }) => d.domain === 'management');
    expect(mgmt.counts).to.include({ conform: 7, nonconform: 12 });
    const s2021 = (await auditor.get(`/api/v1/assessments/${a.id}/summary?scheme=mlps-2021`).expect(200)).body;
    expect(s2021.conclusion).to.include({ scheme: 'mlps-2021', conclusion: 'poor' });
    // An officer may override the conclusion with a reason; the summary shows both.
    await consultant.patch(`/api/v1/assessments/${a.id}`).send({ conclusionOverride: { conclusion: 'basic', reason: 'x' } }).expect(403);
    await officer.patch(`/api/v1/assessments/${a.id}`).send({ conclusionOverride: { conclusion: 'basic', reason: '人员管理问题已有补偿措施' } }).expect(200);
    const overridden = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(overridden).to.deep.include({ finalConclusion: 'basic' });
    expect(overridden.conclusion.conclusion).to.equal('nonconform');
    expect(overridden.override).to.include({ reason: '人员管理问题已有补偿措施', by: 'officer' });
  });

  it('numbers findings T001… in creation order, suggests high-risk cases by level, and flags major-risk hints', async () => {
    const { a, objects } = await assessment(3);
    const mk = (title: string, units: string[], risk: string) => consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title, units, risk, objects: [objects[0].id] }).expect(201);
    const low = (await mk('审计记录保存不足', ['L3-MMS1-01'], 'low')).body;
    const weak = (await mk('存在弱口令', ['L3-CES1-01'], 'medium')).body;
    const room = (await mk('机房门禁缺失', ['L3-PES1-03'], 'medium')).body;
    expect(weak.highRiskCase).to.deep.include({ id: '6.4.1.1', status: 'suggested' });
    expect(low.highRiskCase).to.equal(null);
    let list = (await auditor.get(`/api/v1/assessments/${a.id}/findings`)).body.data;
    expect(list.map((f: { number: string; title: string }) => `${f.number} ${f.title}`)).to.deep.equal(['T001 审计记录保存不足', 'T002 存在弱口令', 'T003 机房门禁缺失']);
    // Confirming the case makes it high risk and a major risk hint; its number stays.
    const confirmed = await consultant.patch(`/api/v1/findings/${weak.id}`).send({ rowVersion: 1, highRisk: { action: 'confirm' } }).expect(200);
    expect(confirmed.body).to.include({ risk: 'high', majorRisk: true, number: 'T002' });
    list = (await auditor.get(`/api/v1/assessments/${a.id}/findings`)).body.data;
    expect(list.map((f: { number: string; id: string }) => f.id)).to.deep.equal([low.id, weak.id, room.id]);
    // The finding is only a hint now: a major risk hazard is recorded on its own (hazards.test.ts).
    let summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(summary.hazards).to.include({ total: 0, counted: 0 });
    // A compensating measure lowers the risk; the major risk goes away.
    const bad = await consultant.patch(`/api/v1/findings/${weak.id}`).send({ rowVersion: 2, mitigation: { measure: 'x', riskAfter: 'high', reason: 'y' } }).expect(400);
    expect(bad.body.error.details[0].path).to.equal('mitigation.riskAfter');
    const mitigated = await consultant
      .patch(`/api/v1/findings/${weak.id}`)
      .send({ rowVersion: 2, mitigation: { measure: '已部署堡垒机统一认证并启用双因素', riskAfter: 'medium', reason: '登录须经堡垒机双因素认证' } })
      .expect(200);
    expect(mitigated.body).to.include({ majorRisk: false, effectiveRisk: 'medium' });
    summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`)).body;
    expect(summary.hazards.counted).to.equal(0);
    await consultant.patch(`/api/v1/findings/${weak.id}`).send({ rowVersion: 1, title: 'stale' }).expect(409);
    const dismissNoReason = await consultant.patch(`/api/v1/findings/${room.id}`).send({ rowVersion: 1, highRisk: { action: 'dismiss' } });
    expect([400, 409]).to.include(dismissNoReason.status);
  });

  it('suggests a case only where it applies: the emergency-power case at level 4, not 3', async () => {
    const l3 = await assessment(3);
    const l4 = await assessment(4);
    // 6.1.3.2 (emergency power) applies from level 4 and concerns L4-PES1 电力供应 d).
    const unit4 = shippedCatalogue().highRiskCases.find((c) => c.id === '6.1.3.2')!.units[0]!;
    const f4 = (await consultant.post(`/api/v1/assessments/${l4.a.id}/findings`).send({ title: '无应急供电', units: [unit4], risk: 'medium' }).expect(201)).body;
    expect(f4.highRiskCase?.id).to.equal('6.1.3.2');
    // A level-2 assessment holds level-2 units only (test/e2e/level2-extensions.test.ts covers level 2 in full).
    const l2 = await system(2);
    const res = await consultant.post('/api/v1/assessments').send({ systemId: l2.sys.id, kind: 'gap_analysis' });
    expect(res.status).to.equal(201);
    const l2codes = (await allPages(auditor, `/api/v1/assessments/${res.body.id}/results`)).map((r: { code: string }) => r.code);
    expect(new Set(l2codes).size).to.equal(135);
    expect(l2codes.every((c: string) => c.startsWith('L2-'))).to.equal(true);
    // At level 3 the same control point (电力供应) suggests only the level-3 case (short-term backup power).
    const f3 = (await consultant.post(`/api/v1/assessments/${l3.a.id}/findings`).send({ title: '机房供电问题', units: ['L3-PES1-18', 'L3-PES1-19', 'L3-PES1-20'], risk: 'medium' }).expect(201)).body;
    expect(f3.highRiskCase?.id).to.equal('6.1.3.1');
    const plain = (await consultant.post(`/api/v1/assessments/${l3.a.id}/findings`).send({ title: '未配置稳压器', units: ['L3-PES1-18'], risk: 'low' }).expect(201)).body;
    expect(plain.highRiskCase).to.equal(null);
  });

  it('drafts findings from non-conforming results', async () => {
    const { a, objects } = await assessment();
    await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: objects[0].id, value: 'nonconform', record: '存在弱口令 admin/admin', rowVersion: 1 }).expect(200);
    await consultant.put(`/api/v1/assessments/${a.id}/results/L3-PSS1-02`).send({ value: 'partial', record: '部分制度未发布', rowVersion: 1 }).expect(200);
    const drafted = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ fromResults: true }).expect(201)).body.data;
    expect(drafted).to.have.length(2);
    const weak = drafted.find((f: { units: string[] }) => f.units[0] === 'L3-CES1-01');
    expect(weak).to.include({ risk: 'high', description: '存在弱口令 admin/admin' });
    expect(weak.highRiskCase.id).to.equal('6.4.1.1');
    expect((await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ fromResults: true }).expect(201)).body.data).to.have.length(0);
  });

  it('closes remediation only with verification evidence or an officer’s risk acceptance; overdue ones are deadlines', async () => {
    const { a } = await assessment();
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '日志留存不足六个月', units: ['L3-ABS1-18'], risk: 'medium' }).expect(201)).body;
    expect(f.remediation.status).to.equal('open');
    await consultant.post(`/api/v1/findings/${f.id}/remediation`).send({ owner: '运维部 张工', dueDate: '2026-01-31', status: 'in_progress' }).expect(200);
    const deadlines = (await auditor.get('/api/v1/deadlines?within=0')).body.data;
    expect(deadlines.find((d: { subject: { id: string } }) => d.subject.id === f.id)).to.include({ type: 'remediation_due', overdue: true });
    await consultant.post(`/api/v1/findings/${f.id}/remediation`).send({ status: 'fixed' }).expect(200);
    const noEvidence = await consultant.post(`/api/v1/findings/${f.id}/remediation`).send({ status: 'verified' }).expect(409);
    expect(noEvidence.body.error).to.include({ reason: 'verification_needs_evidence', message: '整改验证前，请先为该问题关联验证证据（关联类型：整改验证）' });
    const ev = (await consultant.post('/api/v1/evidence').field('title', '日志留存配置').field('kind', 'configuration').attach('file', png(401), 'log.png').expect(201)).body;
    await consultant.post(`/api/v1/evidence/${ev.id}/links`).send({ targetType: 'remediation_verification', targetId: f.id }).expect(201);
    const verified = await consultant.post(`/api/v1/findings/${f.id}/remediation`).send({ status: 'verified' }).expect(200);
    expect(verified.body.remediation.status).to.equal('verified');
    expect((await auditor.get('/api/v1/deadlines?within=0')).body.data.map((d: { subject: { id: string } }) => d.subject.id)).not.to.include(f.id);

    const g = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '未开展安全意识培训', units: ['L3-HRS1-06'], risk: 'low' }).expect(201)).body;
    await consultant.post(`/api/v1/findings/${g.id}/remediation`).send({ status: 'risk_accepted', reason: '明年统一培训' }).expect(403);
    const noReason = await officer.post(`/api/v1/findings/${g.id}/remediation`).send({ status: 'risk_accepted' }).expect(400);
    expect(noReason.body.error.details[0].path).to.equal('reason');
    await officer.post(`/api/v1/findings/${g.id}/remediation`).send({ status: 'risk_accepted', reason: '明年一季度统一培训，风险可接受' }).expect(200);
  });

  it('locks an assessment read-only; a new revision keeps the old; a re-test carries open findings', async () => {
    const { a, objects, sys } = await assessment();
    await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: objects[0].id, value: 'nonconform', rowVersion: 1 }).expect(200);
    const open = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '存在弱口令', units: ['L3-CES1-01'], risk: 'high' }).expect(201)).body;
    const closed = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '已整改问题', units: ['L3-PSS1-01'], risk: 'low' }).expect(201)).body;
    await officer.post(`/api/v1/findings/${closed.id}/remediation`).send({ status: 'risk_accepted', reason: '风险可接受，已记录' }).expect(200);
    await consultant.post(`/api/v1/assessments/${a.id}/transitions`).send({ to: 'review' }).expect(200);
    await consultant.post(`/api/v1/assessments/${a.id}/transitions`).send({ to: 'completed' }).expect(403);
    await officer.post(`/api/v1/assessments/${a.id}/transitions`).send({ to: 'completed' }).expect(200);
    await officer.post(`/api/v1/assessments/${a.id}/transitions`).send({ to: 'locked' }).expect(200);
    const locked = await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES1-01`).send({ objectId: objects[0].id, value: 'conform', rowVersion: 2 }).expect(409);
    expect(locked.body.error).to.include({ reason: 'assessment_locked_read_only', message: '测评已锁定，只读；如需修改，请创建新的修订版' });
    await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: 'x', units: ['L3-CES1-01'], risk: 'low' }).expect(409);
    const bad = await officer.post(`/api/v1/assessments/${a.id}/transitions`).send({ to: 'draft' }).expect(409);
    expect(bad.body.error).to.include({ reason: 'assessment_transition_not_allowed', message: '测评不能从「已锁定」转为「草稿」' });

    const rev = (await consultant.post(`/api/v1/assessments/${a.id}/revisions`).expect(201)).body;
    expect(rev).to.include({ revision: 2, previousRevisionId: a.id, status: 'in_progress' });
    const revResult = (await allPages(auditor, `/api/v1/assessments/${rev.id}/results?value=nonconform`));
    expect(revResult.map((r: { code: string }) => r.code)).to.deep.equal(['L3-CES1-01']);
    await consultant.put(`/api/v1/assessments/${rev.id}/results/L3-CES1-01`).send({ objectId: objects[0].id, value: 'conform', rowVersion: 1 }).expect(200);
    const old = (await allPages(auditor, `/api/v1/assessments/${a.id}/results?value=nonconform`));
    expect(old).to.have.length(1);

    const retest = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'formal_test', retestOf: a.id }).expect(201)).body;
    const carried = (await auditor.get(`/api/v1/assessments/${retest.id}/findings`)).body.data;
    expect(carried.map((f: { title: string; previous: boolean; carriedFromId: string }) => [f.title, f.previous, f.carriedFromId])).to.deep.equal([['存在弱口令', true, open.id]]);
  });

  it('isolates organisations on every route and keeps auditors read-only', async () => {
    const { a, objects, sys } = await assessment();
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: 'x', units: ['L3-CES1-01'], risk: 'low' }).expect(201)).body;
    const routes: Array<[string, string, unknown]> = [
      ['get', `/api/v1/systems/${sys.id}/objects`, undefined],
      ['post', `/api/v1/systems/${sys.id}/objects`, { category: 'terminal', name: 'T', importance: 'general' }],
      ['patch', `/api/v1/objects/${objects[0].id}`, { notes: 'x' }],
      ['delete', `/api/v1/objects/${objects[0].id}`, undefined],
      ['get', `/api/v1/assessments/${a.id}`, undefined],
      ['patch', `/api/v1/assessments/${a.id}`, { endDate: '2026-12-31' }],
      ['post', `/api/v1/assessments/${a.id}/transitions`, { to: 'in_progress' }],
      ['get', `/api/v1/assessments/${a.id}/results`, undefined],
      ['put', `/api/v1/assessments/${a.id}/results/L3-PSS1-01`, { value: 'conform', rowVersion: 1 }],
      ['post', `/api/v1/assessments/${a.id}/results/bulk`, { results: [{ code: 'L3-PSS1-01', value: 'conform', rowVersion: 1 }] }],
      ['get', `/api/v1/assessments/${a.id}/summary`, undefined],
      ['get', `/api/v1/assessments/${a.id}/findings`, undefined],
      ['post', `/api/v1/assessments/${a.id}/findings`, { title: 'x', units: ['L3-CES1-01'], risk: 'low' }],
      ['patch', `/api/v1/findings/${f.id}`, { rowVersion: 1, title: 'y' }],
      ['post', `/api/v1/findings/${f.id}/remediation`, { status: 'in_progress' }],
      ['delete', `/api/v1/findings/${f.id}`, undefined],
      ['post', `/api/v1/assessments/${a.id}/revisions`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const res = await (officer2 as any)[method](path).send(body ?? {});
      expect(res.status, `${method} ${path}`).to.equal(404);
    }
    await officer2.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(404);
    for (const [method, path, body] of routes.filter(([m]) => m !== 'get')) {
      const res = await (auditor as any)[method](path).send(body ?? {});
      expect(res.status, `auditor ${method} ${path}`).to.equal(403);
    }
    const bank = (await officer2.get('/api/v1/assessments')).body.data;
    expect(bank.map((x: { id: string }) => x.id)).not.to.include(a.id);
  });
});
