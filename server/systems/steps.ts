import type { LifecycleState } from './lifecycle.js';

/**
 * The seven steps an officer walks (定级 → 评审 → 审批 → 备案 → 整改 → 测评 → 监督), each computed
 * from the system's own records, never from a stored flag: the page shows what is done, what comes
 * next and what was skipped (missing) while a later step is already done.
 */
export const STEPS = ['grading', 'review', 'approval', 'filing', 'remediation', 'testing', 'supervision'] as const;
export type Step = (typeof STEPS)[number];
/** done · next (the first step not done) · missing (not done, but a later step is) · todo (later) · not_required. */
export type StepState = 'done' | 'next' | 'missing' | 'todo' | 'not_required';

export interface StepRecords {
  grading: { gradedOn: string | null; reviewedOn: string | null; approvedOn: string | null } | null;
  /** False for a level-1 system (graded, neither filed nor tested). */
  filingRequired: boolean;
  filingStatus: 'draft' | 'submitted' | 'certified' | 'returned' | null;
  /** Attachment slots still marked missing on the filing. */
  missingAttachments: readonly string[];
  /** Every lifecycle state the system has been in (its history), the current one included. */
  visited: readonly LifecycleState[];
  assessments: ReadonlyArray<{ kind: string; status: string }>;
  inspections: number;
  objects: number;
}

export interface StepView {
  key: Step;
  state: StepState;
  /** A short code for what is outstanding in this step (translated by the page), e.g. `attachments_missing`. */
  note: string | null;
}

const CLOSED = new Set(['completed', 'locked']);

/** The steps of one system, in order. Pure: the page loads the records once and passes them in. */
export function lifecycleSteps(r: StepRecords): StepView[] {
  const g = r.grading;
  const testedFormally = r.assessments.some((a) => a.kind === 'formal_test' && CLOSED.has(a.status));
  const done: Record<Step, boolean> = {
    grading: !!g?.gradedOn,
    review: !!g?.reviewedOn,
    approval: !!g?.approvedOn,
    filing: r.filingStatus === 'certified',
    // Remediation may be skipped (filed → testing is allowed): done once visited or once a test began.
    remediation: r.visited.includes('remediation') || r.assessments.length > 0,
    testing: testedFormally || r.visited.includes('passed'),
    supervision: r.inspections > 0 || r.visited.includes('supervision'),
  };
  const required = (s: Step) => s !== 'filing' || r.filingRequired;
  // Testing is not required of a level-1 system either (graded, neither filed nor tested).
  const applies = (s: Step) => required(s) && (r.filingRequired || (s !== 'testing' && s !== 'supervision'));
  const lastDone = Math.max(-1, ...STEPS.map((s, i) => (done[s] && applies(s) ? i : -1)));
  let nextGiven = false;
  return STEPS.map((key, i) => {
    if (!applies(key)) return { key, state: 'not_required' as const, note: null };
    let note: string | null = null;
    if (key === 'filing' && r.missingAttachments.length) note = 'attachments_missing';
    if (key === 'filing' && !done.filing && r.filingStatus === 'submitted') note = 'awaiting_certificate';
    if (key === 'filing' && !done.filing && r.filingStatus === 'returned') note = 'returned';
    if (key === 'testing' && !done.testing && r.objects === 0) note = 'no_objects';
    if (key === 'testing' && !done.testing && r.objects > 0 && r.assessments.some((a) => !CLOSED.has(a.status))) note = 'assessment_open';
    if (done[key]) return { key, state: 'done' as const, note };
    if (i < lastDone) return { key, state: 'missing' as const, note };
    if (!nextGiven) {
      nextGiven = true;
      return { key, state: 'next' as const, note };
    }
    return { key, state: 'todo' as const, note };
  });
}
