import { addDays } from '../dates.js';
import { registerDeadlineProvider } from '../deadlines/index.js';
import { addMonths, addWorkingDays, cycleMonths, deadlineRules } from './deadline-rules.js';
import { testCycleMonths, testCycleRules } from './filing-rules.js';
import { latestGradings } from './service.js';

const STAGES_AFTER_FILING = new Set(['filed', 'remediation', 'testing', 'passed', 'supervision']);

// The lifecycle's deadlines (rules in controls/deadline-rules.yaml), for systems that are not archived.
registerDeadlineProvider(async ({ knex, scope }) => {
  const rules = deadlineRules();
  const systems = await scope.query(knex, 'systems').whereNull('archived_at').select('id', 'organization_id', 'name', 'status');
  if (!systems.length) return [];
  const ids = systems.map((s: { id: string }) => s.id);
  const gradings = await latestGradings(knex, ids);
  const approved = await knex('gradings').whereIn('system_id', ids).whereNotNull('approved_on').orderBy('version');
  const filings = await knex('filings').whereIn('system_id', ids);
  const passed: Array<{ system_id: string; on: string }> = await knex('system_transitions').whereIn('system_id', ids).where('to_state', 'passed').groupBy('system_id').select('system_id').max({ on: 'effective_on' });
  const selfChecks: Array<{ system_id: string; on: string }> = await knex('inspections').whereIn('system_id', ids).where('kind', 'self').groupBy('system_id').select('system_id').max({ on: 'inspected_on' });
  const notices = await knex('inspections').whereIn('system_id', ids).whereNotNull('notice_due').whereNull('rectified_on');
  const rule = (r: { zh: string; en: string; article: string }, detail: string) => ({ zh: r.zh, en: r.en, source: `${rules.source} ${r.article}; ${detail}` });

  const out = [];
  for (const s of systems as Array<{ id: string; organization_id: string; name: string; status: string }>) {
    const base = { organizationId: s.organization_id, subject: { type: 'system', id: s.id } };
    const latest = gradings.get(s.id);
    const lastApproved = approved.filter((g: { system_id: string }) => g.system_id === s.id).at(-1);
    const filing = filings.find((f: { system_id: string }) => f.system_id === s.id);
    // Filing due 30 days after the approval of the current grading (level 2 and above).
    if (lastApproved && latest?.id === lastApproved.id && Number(lastApproved.level) >= rules.rules.filing.minLevel && !['submitted', 'certified'].includes(filing?.status)) {
      out.push({ ...base, type: 'filing_due', dueDate: addDays(lastApproved.approved_on, rules.rules.filing.days), title: `${s.name}: 备案 filing`, rule: rule(rules.rules.filing, `approved on ${lastApproved.approved_on}`) });
    }
    if (filing?.status === 'submitted' && filing.submitted_on) {
      out.push({ ...base, type: 'certificate_expected', dueDate: addWorkingDays(filing.submitted_on, rules.rules.certificate.workingDays), title: `${s.name}: 备案证明 certificate`, rule: rule(rules.rules.certificate, `submitted on ${filing.submitted_on}`) });
    }
    const level = lastApproved ? Number(lastApproved.level) : undefined;
    const lastPassed = passed.find((p) => p.system_id === s.id)?.on;
    // The test cycle comes from the rule set in force (controls/filing-rules-2025.yaml: 1846号 by default, the 2007 measures on request).
    const testCycle = level ? testCycleMonths(level) : undefined;
    if (testCycle && lastPassed && STAGES_AFTER_FILING.has(s.status)) {
      const cycle = testCycleRules();
      out.push({ ...base, type: 'test_due', dueDate: addMonths(lastPassed, testCycle), title: `${s.name}: 等级测评 test (level ${level})`, rule: { zh: cycle.zh, en: cycle.en, source: `${cycle.source} [${cycle.id}]; last passed test ${lastPassed}, every ${testCycle} months` } });
    }
    const selfCycle = level ? cycleMonths('selfInspection', level) : undefined;
    const lastSelf = selfChecks.find((p) => p.system_id === s.id)?.on ?? lastPassed;
    if (selfCycle && lastSelf && STAGES_AFTER_FILING.has(s.status)) {
      out.push({ ...base, type: 'self_inspection_due', dueDate: addMonths(lastSelf, selfCycle), title: `${s.name}: 自查 self-inspection`, rule: rule(rules.rules.selfInspection, `last ${lastSelf}, every ${selfCycle} months`) });
    }
    for (const n of notices.filter((i: { system_id: string }) => i.system_id === s.id)) {
      out.push({ ...base, type: 'rectification_due', dueDate: n.notice_due, title: `${s.name}: 整改 rectification (${n.organ ?? 'inspection'} ${n.inspected_on})`, subject: { type: 'inspection', id: n.id }, rule: rule(rules.rules.rectification, `notice of ${n.inspected_on}`) });
    }
  }
  return out;
});
