import { expect } from 'chai';
import type { Express } from 'express';
import { level3Assessment } from '../utils/assessments.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';

/** Numbers people cite (T001…) never change once given. */
describeEachEngine('finding numbers', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let org: string;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    org = (await demoOrganizations(ctx.db)).citybrain;
  });

  const raise = async (assessmentId: string, title: string, risk: string, units = ['L3-CES1-01']) =>
    (await consultant.post(`/api/v1/assessments/${assessmentId}/findings`).send({ title, units, risk }).expect(201)).body as { id: string; number: string; rowVersion: number };
  const numbers = async (assessmentId: string) =>
    ((await auditor.get(`/api/v1/assessments/${assessmentId}/findings`).expect(200)).body.data as Array<{ number: string; title: string }>).map((f) => `${f.number} ${f.title}`);

  it('keeps a number when the risk changes and never gives a deleted finding’s number again', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, org);
    const first = await raise(a.id, '审计记录保存不足', 'low', ['L3-MMS1-01']);
    const second = await raise(a.id, '存在弱口令', 'low');
    expect([first.number, second.number]).to.deep.equal(['T001', 'T002']);
    // Raising T002's risk above T001's keeps it T002 (it was T001 when numbers followed risk).
    const raised = await consultant.patch(`/api/v1/findings/${second.id}`).send({ rowVersion: second.rowVersion, risk: 'high' }).expect(200);
    expect(raised.body).to.include({ number: 'T002', risk: 'high' });
    expect(await numbers(a.id)).to.deep.equal(['T001 审计记录保存不足', 'T002 存在弱口令']);
    // Deleting T001 leaves T002 alone; the next finding is T003, never a second T001.
    await consultant.delete(`/api/v1/findings/${first.id}`).expect(204);
    const third = await raise(a.id, '机房门禁缺失', 'medium', ['L3-PES1-03']);
    expect(third.number).to.equal('T003');
    expect(await numbers(a.id)).to.deep.equal(['T002 存在弱口令', 'T003 机房门禁缺失']);
  });

  it('gives distinct numbers to findings raised at the same moment', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, org);
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => raise(a.id, `并发问题 ${i}`, 'medium')));
    expect(made.map((f) => f.number).sort()).to.deep.equal(['T001', 'T002', 'T003', 'T004', 'T005', 'T006']);
  });

  it('a re-test keeps the numbers of carried-over findings and numbers new ones after every number the previous test gave', async () => {
    const { assessment: a, system } = await level3Assessment(officer, consultant, org);
    await raise(a.id, '存在弱口令', 'high'); // T001, carried over
    const accepted = await raise(a.id, '已接受风险', 'low', ['L3-PSS1-01']); // T002, not carried
    await raise(a.id, '机房门禁缺失', 'medium', ['L3-PES1-03']); // T003, carried over
    await officer.post(`/api/v1/findings/${accepted.id}/remediation`).send({ status: 'risk_accepted', reason: '风险可接受，已记录' }).expect(200);
    const retest = (await consultant.post('/api/v1/assessments').send({ systemId: system.id, kind: 'formal_test', retestOf: a.id }).expect(201)).body;
    expect(await numbers(retest.id)).to.deep.equal(['T001 存在弱口令', 'T003 机房门禁缺失']);
    const fresh = await raise(retest.id, '新发现的问题', 'low', ['L3-MMS1-01']);
    expect(fresh.number).to.equal('T004');
  });
});
