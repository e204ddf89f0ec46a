import { registerDeadlineProvider } from '../deadlines/index.js';
import { addMonths } from './deadline-rules.js';
import { certificateExpiry, completedTestDates, filingRules, isFiledLevel, needsRefile2025 } from './filing-rules.js';
import { latestGradingsOf } from './latest-gradings.js';

const STAGES_AFTER_FILING = new Set(['filed', 'remediation', 'testing', 'passed', 'supervision']);

// The 2025 filing rules' deadlines (controls/filing-rules-2025.yaml): certificate renewal, re-filing
// with the 2025 templates, the yearly protection work plan. Systems not archived only.
registerDeadlineProvider(async ({ knex, scope }) => {
  const r = filingRules();
  const systems = await scope.query(knex, 'systems').whereNull('archived_at').select('id', 'organization_id', 'name', 'status');
  if (!systems.length) return [];
  // The systems as a subquery (a fixed statement size at any portfolio size); rows by system in maps (linear, not quadratic).
  const ids = scope.query(knex, 'systems').whereNull('archived_at').select('id');
  const gradings = await latestGradingsOf(knex, ids);
  const filings = new Map((await knex('filings').whereIn('system_id', ids).where({ status: 'certified' }).select('system_id', 'certificate_date', 'certificate_number', 'refiled_on')).map((f: Record<string, any>) => [f.system_id as string, f]));
  const tests = await completedTestDates(knex, ids);
  const plans = new Map((await knex('protection_plans').whereIn('system_id', ids).whereNotNull('adopted_on').groupBy('system_id').select('system_id').max({ on: 'adopted_on' }) as Array<{ system_id: string; on: string }>).map((p) => [p.system_id, p.on]));
  const filedOn = new Map((await knex('system_transitions').whereIn('system_id', ids).where('to_state', 'filed').groupBy('system_id').select('system_id').max({ on: 'effective_on' }) as Array<{ system_id: string; on: string }>).map((p) => [p.system_id, p.on]));
  const rule = (x: { zh: string; en: string; source: string }, detail: string) => ({ zh: x.zh, en: x.en, source: `${x.source}; ${detail}` });

  const out = [];
  for (const s of systems as Array<{ id: string; organization_id: string; name: string; status: string }>) {
    const base = { organizationId: s.organization_id, systemId: s.id, subject: { type: 'system', id: s.id } };
    const level = gradings.has(s.id) ? Number(gradings.get(s.id)!.level) : undefined;
    if (level === undefined || !isFiledLevel(level)) continue; // level 1: neither filed nor tested
    const filing = filings.get(s.id);
    if (filing?.certificate_date) {
      const c = certificateExpiry(filing.certificate_date, tests.get(s.id) ?? []);
      out.push({ ...base, type: 'certificate_renewal', dueDate: c.expiresOn, title: `${s.name}: 备案证明换发 certificate renewal (from ${c.renewalFrom})`, rule: rule(r.certificate, `certificate ${filing.certificate_number ?? ''} of ${filing.certificate_date}, counted from ${c.start}, +${c.extensions} year(s) for completed tests`) });
      if (needsRefile2025(level, filing.certificate_date, filing.refiled_on)) {
        out.push({ ...base, type: 'refile_2025', dueDate: r.refile2025.dueDate, title: `${s.name}: 按2025版模板重新备案 re-file with the 2025 templates`, rule: rule(r.refile2025, `filed on ${filing.certificate_date}; no re-filing recorded`) });
      }
    }
    if (level >= r.protectionPlan.minLevel && STAGES_AFTER_FILING.has(s.status)) {
      const last = plans.get(s.id);
      const since = filedOn.get(s.id) ?? filing?.certificate_date;
      // No plan adopted yet: due from the filing (or from 2025-01-01, when the yearly plan became a rule).
      const due = last ? addMonths(last, r.protectionPlan.months) : since && since > r.certificate.countFrom ? since : r.certificate.countFrom;
      out.push({ ...base, type: 'protection_plan_due', dueDate: due, title: `${s.name}: 网络安全保护工作方案 protection work plan`, rule: rule(r.protectionPlan, last ? `last adopted ${last}, every ${r.protectionPlan.months} months` : 'no plan adopted yet') });
    }
  }
  return out;
});
