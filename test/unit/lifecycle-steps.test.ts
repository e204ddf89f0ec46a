import { expect } from 'chai';
import { lifecycleSteps, type StepRecords } from '../../server/systems/steps.js';

const base: StepRecords = { grading: null, filingRequired: true, filingStatus: null, missingAttachments: [], visited: ['grading'], assessments: [], inspections: 0, objects: 0 };
const states = (r: Partial<StepRecords>) => Object.fromEntries(lifecycleSteps({ ...base, ...r }).map((s) => [s.key, s.state]));

describe('system lifecycle steps (定级 → 评审 → 审批 → 备案 → 整改 → 测评 → 监督)', () => {
  it('a new system: grading is next, everything else later', () => {
    expect(states({})).to.deep.equal({ grading: 'next', review: 'todo', approval: 'todo', filing: 'todo', remediation: 'todo', testing: 'todo', supervision: 'todo' });
  });

  it('graded and reviewed: approval is next', () => {
    const s = states({ grading: { gradedOn: '2026-01-01', reviewedOn: '2026-01-05', approvedOn: null }, visited: ['grading', 'review'] });
    expect([s.grading, s.review, s.approval, s.filing]).to.deep.equal(['done', 'done', 'next', 'todo']);
  });

  it('a submitted filing is next and says it awaits the certificate; missing attachments are noted', () => {
    const steps = lifecycleSteps({ ...base, grading: { gradedOn: 'x', reviewedOn: 'x', approvedOn: 'x' }, filingStatus: 'submitted', missingAttachments: ['test_report'] });
    const filing = steps.find((s) => s.key === 'filing')!;
    expect(filing.state).to.equal('next');
    expect(filing.note).to.equal('awaiting_certificate');
    const certified = lifecycleSteps({ ...base, grading: { gradedOn: 'x', reviewedOn: 'x', approvedOn: 'x' }, filingStatus: 'certified', missingAttachments: ['test_report'] }).find((s) => s.key === 'filing')!;
    expect(certified).to.deep.include({ state: 'done', note: 'attachments_missing' });
  });

  it('filed with no objects: remediation is next, testing notes that objects are missing', () => {
    const steps = lifecycleSteps({ ...base, grading: { gradedOn: 'x', reviewedOn: 'x', approvedOn: 'x' }, filingStatus: 'certified', visited: ['grading', 'review', 'approved', 'filed'] });
    expect(steps.map((s) => s.state)).to.deep.equal(['done', 'done', 'done', 'done', 'next', 'todo', 'todo']);
    expect(steps.find((s) => s.key === 'testing')!.note).to.equal('no_objects');
  });

  it('a completed formal test without a certified filing shows the filing as missing', () => {
    const s = states({ grading: { gradedOn: 'x', reviewedOn: 'x', approvedOn: 'x' }, filingStatus: 'draft', objects: 3, assessments: [{ kind: 'formal_test', status: 'completed' }], visited: ['grading', 'review', 'approved', 'testing'] });
    expect(s).to.deep.equal({ grading: 'done', review: 'done', approval: 'done', filing: 'missing', remediation: 'done', testing: 'done', supervision: 'next' });
  });

  it('a gap analysis alone does not complete testing; an open one is noted', () => {
    const steps = lifecycleSteps({ ...base, grading: { gradedOn: 'x', reviewedOn: 'x', approvedOn: 'x' }, filingStatus: 'certified', objects: 2, assessments: [{ kind: 'gap_analysis', status: 'in_progress' }] });
    expect(steps.find((s) => s.key === 'testing')).to.deep.include({ state: 'next', note: 'assessment_open' });
  });

  it('level 1: filing, testing and supervision are not required', () => {
    const s = states({ filingRequired: false, grading: { gradedOn: 'x', reviewedOn: 'x', approvedOn: 'x' } });
    expect([s.filing, s.testing, s.supervision]).to.deep.equal(['not_required', 'not_required', 'not_required']);
    expect(s.remediation).to.equal('next');
  });

  it('an inspection completes supervision', () => {
    expect(states({ inspections: 1 }).supervision).to.equal('done');
  });
});
