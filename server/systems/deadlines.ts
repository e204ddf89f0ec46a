import { addDays } from '../dates.js';
import { registerDeadlineProvider } from '../deadlines/index.js';
import { addMonths, addWorkingDays, cycleMonths, deadlineRules } from './deadline-rules.js';
import { testCycleMonths, testCycleRules } from './filing-rules.js';
import { latestGradingsOf } from './latest-gradings.js';

const STAGES_AFTER_FILING = new Set(['filed', 'remediation', 'testing', 'passed', 'supervision']);

// The lifecycle's deadlines (rules in controls/deadline-rules.yaml), for systems that are not archived.
registerDeadlineProvider(async ({ knex, scope }) => {
  const rules = deadlineRules();
  const systems = await scope.query(knex, 'systems').whereNull('archived_at').select('id', 'organization_id', 'name', 'status');
  if (!systems.length) return [];
  // The systems as a subquery, not a list of ids: a fixed statement size, within SQLite's variable limit at any portfolio size.
  const ids = scope.query(knex, 'systems').whereNull('archived_at').select('id');
  const gradings = await latestGradingsOf(knex, ids);
  const approvedRows = await knex('gradings').whereIn('system_id', ids).whereNotNull('approved_on').orderBy('version').select('id', 'system_id', 'level', 'approved_on');
  const approved = lastBy(approvedRows);
  const filings = lastBy(await knex('filings').whereIn('system_id', ids).select('system_id', 'status', 'submitted_on'));
  const passed = valueBy(await knex('system_transitions').whereIn('system_id', ids).where('to_state', 'passed').groupBy('system_id').select('system_id').max({ on: 'effective_on' }));
  const selfChecks = valueBy(await knex('inspections').whereIn('system_id', ids).where('kind', 'self').groupBy('system_id').select('system_id').max({ on: 'inspected_on' }));
  const notices = groupBy(await knex('inspections').whereIn('system_id', ids).whereNotNull('notice_due').whereNull('rectified_on').select('id', 'system_id', 'notice_due', 'organ', 'inspected_on'));
  const rule = (r: { zh: string; en: string; article: string }, detail: string) => ({ zh: r.zh, en: r.en, source: `${rules.source} ${r.article}; ${detail}` });

  const out = [];
  for (const s of systems as Array<{ id: string; organization_id: string; name: string; status: string }>) {
    const base = { organizationId: s.organization_id, systemId: s.id, subject: { type: 'system', id: s.id } };
    const latest = gradings.get(s.id);
    const lastApproved = approved.get(s.id);
    const filing = filings.get(s.id);
    // Filing due 30 days after the approval of the current grading (level 2 and above).
    if (lastApproved && latest?.id === lastApproved.id && Number(lastApproved.level) >= rules.rules.filing.minLevel && !['submitted', 'certified'].includes(filing?.status)) {
      out.push({ ...base, type: 'filing_due', dueDate: addDays(lastApproved.approved_on, rules.rules.filing.days), title: `${s.name}: 备案 filing`, rule: rule(rules.rules.filing, `approved on ${lastApproved.approved_on}`) });
    }
    if (filing?.status === 'submitted' && filing.submitted_on) {
      out.push({ ...base, type: 'certificate_expected', dueDate: addWorkingDays(filing.submitted_on, rules.rules.certificate.workingDays), title: `${s.name}: 备案证明 certificate`, rule: rule(rules.rules.certificate, `submitted on ${filing.submitted_on}`) });
    }
    const level = lastApproved ? Number(lastApproved.level) : undefined;
    const lastPassed = passed.get(s.id);
    // The test cycle comes from the rule set in force (controls/filing-rules-2025.yaml: 1846号 by default, the 2007 measures on request).
    const testCycle = level ? testCycleMonths(level) : undefined;
    if (testCycle && lastPassed && STAGES_AFTER_FILING.has(s.status)) {
      const cycle = testCycleRules();
      out.push({ ...base, type: 'test_due', dueDate: addMonths(lastPassed, testCycle), title: `${s.name}: 等级测评 test (level ${level})`, rule: { zh: cycle.zh, en: cycle.en, source: `${cycle.source} [${cycle.id}]; last passed test ${lastPassed}, every ${testCycle} months` } });
    }
    const selfCycle = level ? cycleMonths('selfInspection', level) : undefined;
    const lastSelf = selfChecks.get(s.id) ?? lastPassed;
    if (selfCycle && lastSelf && STAGES_AFTER_FILING.has(s.status)) {
      out.push({ ...base, type: 'self_inspection_due', dueDate: addMonths(lastSelf, selfCycle), title: `${s.name}: 自查 self-inspection`, rule: rule(rules.rules.selfInspection, `last ${lastSelf}, every ${selfCycle} months`) });
    }
    for (const n of notices.get(s.id) ?? []) {
      out.push({ ...base, type: 'rectification_due', dueDate: n.notice_due, title: `${s.name}: 整改 rectification (${n.organ ?? 'inspection'} ${n.inspected_on})`, subject: { type: 'inspection', id: n.id }, rule: rule(rules.rules.rectification, `notice of ${n.inspected_on}`) });
    }
  }
  return out;
});

// Rows by system, looked up in constant time (a filter per system made the provider quadratic).
type Row = Record<string, any>;
function lastBy(rows: Row[]): Map<string, Row> {
  return new Map(rows.map((r) => [r.system_id as string, r]));
}
function valueBy(rows: Array<{ system_id: string; on: string }>): Map<string, string> {
  return new Map(rows.map((r) => [r.system_id, r.on]));
}
function groupBy(rows: Row[]): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of rows) m.set(r.system_id, [...(m.get(r.system_id) ?? []), r]);
  return m;
}
