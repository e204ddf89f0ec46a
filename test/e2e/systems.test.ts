import { expect } from 'chai';
import type { Express } from 'express';
import { OrganizationScope } from '../../server/context.js';
import { listDeadlines } from '../../server/deadlines/index.js';
import { loadCaller } from '../../server/services/callers.js';
import { LIFECYCLE_STATES, TRANSITIONS } from '../../server/systems/lifecycle.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';

const L3 = { businessHarms: [{ object: 'social', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }] };
const L4 = { businessHarms: [{ object: 'social', degree: 'especially_serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }] };
const L2 = { businessHarms: [{ object: 'citizens', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'general' }] };
const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';

describeEachEngine('systems lifecycle', (ctx) => {
  let app: Express;
  let admin: Agent, officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };

  before(async () => {
    app = await createTestApp(ctx.db);
    admin = await signIn(app, 'admin');
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  let n = 0;
  async function newSystem(agent = officer, org?: string, extra: Record<string, unknown> = {}) {
    const res = await agent
      .post('/api/v1/systems')
      .send({ organizationId: org ?? orgs.citybrain, name: `System ${++n}`, deployment: 'cloud', description: '城市运行管理平台', ...extra })
      .expect(201);
    return res.body as { id: string; status: string };
  }

  /** Grades, reviews and approves: the system ends in `approved`. */
  async function approved(harms = L3, dates = { graded: '2026-01-05', reviewed: '2026-01-20', approved: '2026-02-10' }, org?: string, agent = officer) {
    const sys = await newSystem(agent, org);
    const g = await agent.post(`/api/v1/systems/${sys.id}/gradings`).send({ ...harms, rationale: RATIONALE, gradedOn: dates.graded }).expect(201);
    await agent.post(`/api/v1/systems/${sys.id}/gradings/${g.body.id}/review`).send({ reviewedOn: dates.reviewed, experts: ['张教授', '李高工'], opinion: '同意定为第三级' }).expect(200);
    await agent.post(`/api/v1/systems/${sys.id}/gradings/${g.body.id}/approval`).send({ approvedOn: dates.approved, authority: '示例市大数据管理局', reference: '示数〔2026〕12号' }).expect(200);
    return { sys, grading: g.body };
  }

  it('demo data holds a living programme: city brain filed and in testing at level 3, the bank at level 4 under supervision', async () => {
    const city = (await auditor.get('/api/v1/systems').expect(200)).body.data.find((s: { name: string }) => s.name === '城市大脑运营管理平台');
    expect(city).to.deep.include({ status: 'testing', deployment: 'cloud' });
    expect(city.grading).to.include({ notation: 'S3A3G3', level: 3 });
    const filing = await auditor.get(`/api/v1/systems/${city.id}/filing`).expect(200);
    expect(filing.body).to.include({ status: 'certified', certificateNumber: '33010043001-25001' });
    const bank = (await officer2.get('/api/v1/systems').expect(200)).body.data[0];
    expect(bank).to.deep.include({ name: '金融云核心渠道系统', status: 'supervision' });
    expect(bank.grading.notation).to.equal('S4A3G4');
    const inspections = await officer2.get(`/api/v1/systems/${bank.id}/inspections`).expect(200);
    expect(inspections.body.data.map((i: { kind: string }) => i.kind)).to.deep.equal(['supervision', 'self', 'supervision']);
    const history = await officer2.get(`/api/v1/systems/${bank.id}/history`).expect(200);
    expect(history.body.data.filter((h: { to: string }) => h.to === 'passed').map((h: { effectiveOn: string }) => h.effectiveOn)).to.deep.equal(['2024-07-01', '2025-01-10', '2025-07-15', '2026-01-20', '2026-06-20']);
  });

  it('creates a system in `grading`, records it, and lists it for members only', async () => {
    const sys = await newSystem();
    expect(sys).to.deep.include({ status: 'grading', requirementSets: ['general', 'cloud'], allowedTransitions: ['review'] });
    const list = await auditor.get('/api/v1/systems').expect(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).to.include(sys.id);
    const bank = await officer2.get('/api/v1/systems').expect(200);
    expect(bank.body.data.map((s: { id: string }) => s.id)).not.to.include(sys.id);
    const history = await auditor.get(`/api/v1/systems/${sys.id}/history`).expect(200);
    expect(history.body.data).to.have.length(1);
    expect(history.body.data[0]).to.include({ from: null, to: 'grading', username: 'officer' });
  });

  it('grades with the matrix: S3A3G3, and rejects a level that disagrees', async () => {
    const sys = await newSystem();
    const g = await consultant.post(`/api/v1/systems/${sys.id}/gradings`).send({ ...L3, rationale: RATIONALE, gradedOn: '2026-03-01' }).expect(201);
    expect(g.body).to.include({ sLevel: 3, aLevel: 3, level: 3, notation: 'S3A3G3', version: 1 });
    const bad = await consultant.post(`/api/v1/systems/${sys.id}/gradings`).send({ ...L3, rationale: RATIONALE, gradedOn: '2026-03-01', level: 2 }).expect(400);
    expect(bad.body.error.details[0]).to.include({ path: 'level', code: 'matrix_mismatch' });
    const enumBad = await consultant
      .post(`/api/v1/systems/${sys.id}/gradings`)
      .send({ businessHarms: [{ object: 'society', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'grave' }], rationale: RATIONALE, gradedOn: '2026-03-01' })
      .expect(400);
    expect(enumBad.body.error.details.map((d: { path: string }) => d.path)).to.have.members(['businessHarms.0.object', 'serviceHarms.0.degree']);
    const list = await auditor.get(`/api/v1/systems/${sys.id}/gradings`).expect(200);
    expect(list.body.data).to.have.length(1);
  });

  it('review and approval move the system, check date order, and re-grading keeps every version', async () => {
    const { sys, grading } = await approved();
    const s = await auditor.get(`/api/v1/systems/${sys.id}`).expect(200);
    expect(s.body.status).to.equal('approved');
    expect(s.body.grading).to.include({ notation: 'S3A3G3', approvedOn: '2026-02-10' });
    const history = await auditor.get(`/api/v1/systems/${sys.id}/history`).expect(200);
    expect(history.body.data.map((h: { to: string }) => h.to)).to.deep.equal(['grading', 'review', 'approved']);
    expect(history.body.data[2]).to.include({ effectiveOn: '2026-02-10' });

    await consultant.post(`/api/v1/systems/${sys.id}/gradings`).send({ ...L4, rationale: RATIONALE, gradedOn: '2026-04-01' }).expect(403);
    const v2 = await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ ...L4, rationale: RATIONALE, gradedOn: '2026-04-01' }).expect(201);
    expect(v2.body).to.include({ version: 2, notation: 'S4A3G4' });
    expect((await auditor.get(`/api/v1/systems/${sys.id}`)).body.status).to.equal('grading');
    const early = await officer.post(`/api/v1/systems/${sys.id}/gradings/${v2.body.id}/review`).send({ reviewedOn: '2026-03-01', experts: ['王'], opinion: 'ok' }).expect(400);
    expect(early.body.error.details[0]).to.include({ path: 'reviewedOn', code: 'date_order' });
    await officer.post(`/api/v1/systems/${sys.id}/gradings/${grading.id}/review`).send({ reviewedOn: '2026-04-05', experts: ['王'], opinion: 'ok' }).expect(409);
    await officer.post(`/api/v1/systems/${sys.id}/gradings/${v2.body.id}/approval`).send({ approvedOn: '2026-04-10', authority: 'x', reference: 'y' }).expect(409);
    const versions = await auditor.get(`/api/v1/systems/${sys.id}/gradings`).expect(200);
    expect(versions.body.data.map((g: { version: number; notation: string }) => `${g.version}:${g.notation}`)).to.deep.equal(['1:S3A3G3', '2:S4A3G4']);
  });

  it('allows every transition in the table and refuses others with 409 naming the state', async () => {
    const sys = await newSystem();
    for (const from of LIFECYCLE_STATES) {
      for (const to of TRANSITIONS[from]) {
        await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: from, force: true, reason: 'test setup' }).expect(200);
        const res = await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to, note: `${from} → ${to}` });
        expect(res.status, `${from} → ${to}: ${JSON.stringify(res.body)}`).to.equal(200);
        expect(res.body.status).to.equal(to);
      }
    }
    await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: 'grading', force: true, reason: 'test setup' }).expect(200);
    for (const to of ['filed', 'passed', 'supervision', 'testing'] as const) {
      const res = await officer.post(`/api/v1/systems/${sys.id}/transitions?lang=en`).send({ to }).expect(409);
      expect(res.body.error.message).to.contain('grading').and.to.contain('review');
      expect(res.body.error.details[0]).to.deep.include({ current: 'grading', allowed: ['review'] });
    }
    const forced = await auditor.get(`/api/v1/systems/${sys.id}/history`).expect(200);
    const last = forced.body.data.at(-1);
    expect(last).to.include({ forced: true, username: 'officer' });
    expect(last.note).to.contain('test setup');
    // Forcing needs an officer of the organisation and a reason; platform administrators never reach the system (三权分立).
    await auditor.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: 'filed', force: true, reason: 'I want to' }).expect(403);
    await admin.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: 'filed', force: true, reason: 'I want to' }).expect(404);
    const noReason = await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: 'filed', force: true }).expect(400);
    expect(noReason.body.error.details[0].path).to.equal('reason');
  });

  it('files: validates the form and statuses, ticks attachments with evidence, and certification moves the system to filed', async () => {
    const { sys } = await approved();
    const draft = await auditor.get(`/api/v1/systems/${sys.id}/filing`).expect(200);
    expect(draft.body).to.include({ stored: false, status: 'draft', level: 3, notation: 'S3A3G3' });
    expect(draft.body.form.organizationName).to.equal('示例市城市大脑运营中心');
    expect(draft.body.attachments).to.have.length(7);
    expect(draft.body.attachments.every((a: { required: boolean; state: string }) => a.required && a.state === 'pending')).to.equal(true);

    const form = { ...draft.body.form, responsiblePerson: '王合规', serviceScope: '全市' };
    const certOnDraft = await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form, status: 'draft', certificateNumber: '33010099001-00001' }).expect(400);
    expect(certOnDraft.body.error.details.map((d: { path: string }) => d.path)).to.include('certificateNumber');
    const noDate = await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form, status: 'submitted', filingOrgan: '示例市公安局网安支队' }).expect(400);
    expect(noDate.body.error.details.map((d: { path: string }) => d.path)).to.include('submittedOn');
    const beforeApproval = await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form, status: 'submitted', filingOrgan: '示例市公安局', submittedOn: '2026-02-01' }).expect(400);
    expect(beforeApproval.body.error.details[0]).to.include({ path: 'submittedOn', code: 'date_order' });
    await consultant.put(`/api/v1/systems/${sys.id}/filing`).send({ form, status: 'draft' }).expect(403);

    // Attachments: one linked as evidence, one marked missing.
    const ev = await consultant.post('/api/v1/evidence').field('title', '网络拓扑图').field('kind', 'document').attach('file', png(301), 'topology.png').expect(201);
    await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'filing_attachment', targetId: `${sys.id}:network_topology` }).expect(201);
    await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'filing_attachment', targetId: `${sys.id}:no_such_slot` }).expect(404);

    const submitted = await officer
      .put(`/api/v1/systems/${sys.id}/filing`)
      .send({ form, status: 'submitted', filingOrgan: '示例市公安局网安支队', submittedOn: '2026-02-20', missingAttachments: ['test_report'] })
      .expect(200);
    const slots = Object.fromEntries(submitted.body.attachments.map((a: { slot: string; state: string; evidence: unknown[] }) => [a.slot, a.state]));
    expect(slots).to.include({ network_topology: 'provided', test_report: 'missing', security_design: 'pending' });
    expect(submitted.body.attachments.find((a: { slot: string }) => a.slot === 'network_topology').evidence[0]).to.include({ id: ev.body.id, title: '网络拓扑图' });

    const badOrder = await officer
      .put(`/api/v1/systems/${sys.id}/filing`)
      .send({ form, status: 'certified', filingOrgan: '示例市公安局网安支队', submittedOn: '2026-02-20', certificateNumber: '33010099001-00001', certificateDate: '2026-02-19' })
      .expect(400);
    expect(badOrder.body.error.details[0]).to.include({ path: 'certificateDate', code: 'date_order' });
    const certified = await officer
      .put(`/api/v1/systems/${sys.id}/filing`)
      .send({ form, status: 'certified', filingOrgan: '示例市公安局网安支队', submittedOn: '2026-02-20', certificateNumber: '33010099001-00001', certificateDate: '2026-03-02' })
      .expect(200);
    expect(certified.body).to.include({ status: 'certified', certificateNumber: '33010099001-00001' });
    expect((await auditor.get(`/api/v1/systems/${sys.id}`)).body.status).to.equal('filed');
    await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form, status: 'draft' }).expect(409);
  });

  it('links evidence to a system and lists evidence by that link', async () => {
    const sys = await newSystem();
    const ev = await consultant.post('/api/v1/evidence').field('title', '系统说明').field('kind', 'document').attach('file', png(302), 'doc.png').expect(201);
    await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'system', targetId: sys.id }).expect(201);
    const dup = await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'system', targetId: sys.id }).expect(409);
    expect(dup.body.error.code).to.equal('unique_violation');
    const byTarget = await auditor.get(`/api/v1/evidence?targetType=system&targetId=${sys.id}`).expect(200);
    expect(byTarget.body.data.map((e: { id: string }) => e.id)).to.deep.equal([ev.body.id]);
    const badType = await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'spaceship', targetId: sys.id }).expect(400);
    expect(badType.body.error.details[0].path).to.equal('targetType');
    const bankSystem = await newSystem(officer2, orgs.bank);
    await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'system', targetId: bankSystem.id }).expect(404);
    const unlinked = await consultant.delete(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'system', targetId: sys.id }).expect(200);
    expect(unlinked.body.links).to.deep.equal([]);
    expect(unlinked.body.history.map((h: { action: string }) => h.action)).to.deep.equal(['created', 'linked', 'unlinked']);
  });

  it('deletes a system only while it is being graded; otherwise archives it', async () => {
    const fresh = await newSystem();
    expect((await officer.delete(`/api/v1/systems/${fresh.id}`).expect(200)).body).to.deep.equal({ deleted: true, archived: false });
    await auditor.get(`/api/v1/systems/${fresh.id}`).expect(404);
    const { sys } = await approved();
    expect((await officer.delete(`/api/v1/systems/${sys.id}`).expect(200)).body).to.deep.equal({ deleted: false, archived: true });
    const s = await auditor.get(`/api/v1/systems/${sys.id}`).expect(200);
    expect(s.body.archivedAt).to.be.a('string');
    expect((await auditor.get('/api/v1/systems')).body.data.map((x: { id: string }) => x.id)).not.to.include(sys.id);
  });

  it('isolates organisations on every route and keeps auditors read-only', async () => {
    const { sys, grading } = await approved(L2, undefined, orgs.bank, officer2);
    const base = `/api/v1/systems/${sys.id}`;
    for (const [method, path, body] of [
      ['get', base, undefined],
      ['patch', base, { name: 'x' }],
      ['delete', base, undefined],
      ['get', `${base}/gradings`, undefined],
      ['post', `${base}/gradings`, { ...L3, rationale: RATIONALE, gradedOn: '2026-05-01' }],
      ['post', `${base}/gradings/${grading.id}/review`, { reviewedOn: '2026-05-01', experts: ['x'], opinion: 'y' }],
      ['post', `${base}/gradings/${grading.id}/approval`, { approvedOn: '2026-05-01', authority: 'x', reference: 'y' }],
      ['get', `${base}/filing`, undefined],
      ['put', `${base}/filing`, { form: {}, status: 'draft' }],
      ['post', `${base}/transitions`, { to: 'filed' }],
      ['get', `${base}/history`, undefined],
      ['get', `${base}/inspections`, undefined],
      ['post', `${base}/inspections`, { kind: 'self', inspectedOn: '2026-05-01', result: 'ok' }],
      ['patch', `${base}/inspections/${grading.id}`, { result: 'x' }],
    ] as const) {
      const res = await (consultant as any)[method](path).send(body ?? {});
      expect(res.status, `${method} ${path}`).to.equal(404);
    }
    const mine = await newSystem();
    for (const [method, path, body] of [
      ['patch', `/api/v1/systems/${mine.id}`, { name: 'x' }],
      ['delete', `/api/v1/systems/${mine.id}`, undefined],
      ['post', `/api/v1/systems/${mine.id}/gradings`, { ...L3, rationale: RATIONALE, gradedOn: '2026-05-01' }],
      ['put', `/api/v1/systems/${mine.id}/filing`, { form: {}, status: 'draft' }],
      ['post', `/api/v1/systems/${mine.id}/transitions`, { to: 'review' }],
      ['post', `/api/v1/systems/${mine.id}/inspections`, { kind: 'self', inspectedOn: '2026-05-01', result: 'ok' }],
      ['post', '/api/v1/systems', { organizationId: orgs.citybrain, name: 'Auditor system', deployment: 'cloud' }],
    ] as const) {
      const res = await (auditor as any)[method](path).send(body ?? {});
      expect(res.status, `${method} ${path}`).to.equal(403);
    }
  });

  describe('deadlines', () => {
    async function deadlinesFor(username: string, at: string, within = 3660) {
      const user = await ctx.db.knex('users').where({ username }).first();
      const caller = (await loadCaller(ctx.db.knex, user.id, 'session'))!;
      return listDeadlines(ctx.db.knex, new OrganizationScope(caller), within, new Date(at));
    }

    it('filing is due 30 days after approval at level 2 and above, computed in China time', async () => {
      const { sys } = await approved(L2, { graded: '2026-01-05', reviewed: '2026-01-10', approved: '2026-01-31' });
      // 2026-03-02T15:59Z is still 2 March in China; 16:00Z is already 3 March.
      const before = (await deadlinesFor('officer', '2026-03-02T15:59:00Z')).find((d) => d.subject.id === sys.id && d.type === 'filing_due')!;
      expect(before).to.include({ dueDate: '2026-03-02', daysLeft: 0, overdue: false });
      expect(before.rule.source).to.contain('第十五条');
      const after = (await deadlinesFor('officer', '2026-03-02T16:00:00Z')).find((d) => d.subject.id === sys.id && d.type === 'filing_due')!;
      expect(after).to.include({ daysLeft: -1, overdue: true });
    });

    it('the certificate is expected 10 working days after submission', async () => {
      const { sys } = await approved();
      await officer.put(`/api/v1/systems/${sys.id}/filing`).send({ form: {}, status: 'submitted', filingOrgan: '示例市公安局', submittedOn: '2026-02-27' }).expect(200);
      const d = (await deadlinesFor('officer', '2026-03-01T00:00:00Z')).filter((x) => x.subject.id === sys.id);
      expect(d.map((x) => x.type)).to.deep.equal(['certificate_expected']);
      expect(d[0]!.dueDate).to.equal('2026-03-13');
    });

    // The test cycle follows 公网安〔2025〕1846号 by default (levels 3-5 yearly); self-inspection keeps the
    // 2007 measures' cycle (Art. 14: level 4 half-yearly), which the 2025 letter does not change.
    for (const [name, harms, months, selfMonths, passedOn, due, selfDue] of [
      ['level 3: a year after the last passed test', L3, 12, 12, '2026-02-28', '2027-02-28', '2027-02-28'],
      ['level 4: a year after (1846号), self-inspection six months after, clamped at month end', L4, 12, 6, '2026-08-31', '2027-08-31', '2027-02-28'],
    ] as const) {
      it(`the next test is due — ${name}`, async () => {
        const { sys } = await approved(harms);
        for (const to of ['filed', 'testing']) await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to, effectiveOn: '2026-02-15' }).expect(200);
        await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to: 'passed', effectiveOn: passedOn }).expect(200);
        const d = (await deadlinesFor('officer', '2026-09-01T00:00:00Z')).filter((x) => x.subject.id === sys.id);
        const test = d.find((x) => x.type === 'test_due')!;
        expect(test.dueDate).to.equal(due);
        expect(test.rule.source).to.contain(`every ${months} months`).and.contain('1846号').and.contain('[mlps-2025]');
        expect(d.find((x) => x.type === 'self_inspection_due')!.dueDate).to.equal(selfDue);
        await officer.post(`/api/v1/systems/${sys.id}/inspections`).send({ kind: 'self', inspectedOn: '2026-09-10', result: '自查未发现重大问题' }).expect(201);
        const after = (await deadlinesFor('officer', '2026-09-11T00:00:00Z')).filter((x) => x.subject.id === sys.id);
        expect(after.find((x) => x.type === 'self_inspection_due')!.dueDate).to.equal(selfMonths === 12 ? '2027-09-10' : '2027-03-10');
      });
    }

    it('level 2 has no periodic test deadline; rectification notices are due on their date until rectified', async () => {
      const { sys } = await approved(L2);
      for (const to of ['filed', 'testing', 'passed', 'supervision']) await officer.post(`/api/v1/systems/${sys.id}/transitions`).send({ to, effectiveOn: '2026-03-01' }).expect(200);
      const bad = await officer.post(`/api/v1/systems/${sys.id}/inspections`).send({ kind: 'supervision', inspectedOn: '2026-05-10', result: '发现问题', noticeDue: '2026-06-10' }).expect(400);
      expect(bad.body.error.details.map((x: { path: string }) => x.path)).to.have.members(['organ', 'noticeDue']);
      const insp = await officer
        .post(`/api/v1/systems/${sys.id}/inspections`)
        .send({ kind: 'supervision', inspectedOn: '2026-05-10', organ: '示例市公安局网安支队', result: '发现弱口令问题', notice: '限期整改', noticeDue: '2026-06-10' })
        .expect(201);
      let d = (await deadlinesFor('officer', '2026-06-11T00:00:00Z')).filter((x) => x.organizationId === orgs.citybrain && x.subject.id === insp.body.id);
      expect(d).to.have.length(1);
      expect(d[0]).to.include({ type: 'rectification_due', overdue: true });
      const all = (await deadlinesFor('officer', '2026-06-11T00:00:00Z')).filter((x) => x.subject.id === sys.id);
      expect(all.map((x) => x.type)).not.to.include('test_due');
      await officer.patch(`/api/v1/systems/${sys.id}/inspections/${insp.body.id}`).send({ rectifiedOn: '2026-06-01' }).expect(200);
      d = (await deadlinesFor('officer', '2026-06-11T00:00:00Z')).filter((x) => x.subject.id === insp.body.id);
      expect(d).to.have.length(0);
    });

    it('GET /deadlines lists lifecycle deadlines with their rule, for the caller’s organisations only', async () => {
      await approved(L3, { graded: '2026-01-05', reviewed: '2026-01-10', approved: '2026-01-15' });
      const res = await auditor.get('/api/v1/deadlines?within=3650').expect(200);
      const filing = res.body.data.find((d: { type: string }) => d.type === 'filing_due');
      expect(filing.rule).to.have.keys('zh', 'en', 'source');
      expect(res.body.data.every((d: { organizationId: string }) => d.organizationId === orgs.citybrain)).to.equal(true);
    });
  });
});
