/**
 * The protection lifecycle of a system (定级 → 评审 → 审批 → 备案 → 建设整改 ⇄ 等级测评 → 通过 → 监督检查),
 * with every allowed transition in this one table. Anything else is refused (409) unless an admin
 * forces it with a reason.
 */
export const LIFECYCLE_STATES = ['grading', 'review', 'approved', 'filed', 'remediation', 'testing', 'passed', 'supervision'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export const TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  grading: ['review'], // expert review held
  review: ['approved', 'grading'], // approved by the competent authority, or sent back to re-grade
  approved: ['filed', 'grading'], // filing certified; or re-graded before filing
  filed: ['remediation', 'testing', 'grading'],
  remediation: ['testing'],
  testing: ['remediation', 'passed'], // issues found → remediation; test passed
  passed: ['supervision', 'remediation', 'testing', 'grading'], // the next cycle's test, or re-grading after a major change
  supervision: ['remediation', 'testing', 'grading'],
};

export const STATE_NAMES: Record<LifecycleState, { zh: string; en: string }> = {
  grading: { zh: '定级', en: 'Grading' },
  review: { zh: '专家评审', en: 'Expert review' },
  approved: { zh: '主管部门审批', en: 'Approved' },
  filed: { zh: '已备案', en: 'Filed' },
  remediation: { zh: '建设整改', en: 'Remediation' },
  testing: { zh: '等级测评', en: 'Testing' },
  passed: { zh: '测评通过', en: 'Passed' },
  supervision: { zh: '监督检查', en: 'Supervision' },
};

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return TRANSITIONS[from].includes(to);
}
