import type { Request } from 'express';
import type { Knex } from 'knex';
import type { Deadline } from '../deadlines/index.js';

/**
 * The dashboard's deadlines as a reader needs them: the kind of deadline in words, the system it
 * concerns (linked), and the thing itself (a finding, a piece of evidence) linked where it has a page.
 * The providers' titles mix both languages for the API; the page says the type in the user's.
 */
export async function deadlineRows(req: Request, knex: Knex, deadlines: Deadline[]) {
  const ids = (type: string) => [...new Set(deadlines.filter((d) => d.subject.type === type).map((d) => d.subject.id))];
  // Always the same three statements, whichever kinds of deadline are due (the dashboard's count is pinned).
  const inspections = new Map<string, string>((await knex('inspections').whereIn('id', ids('inspection')).select('id', 'system_id')).map((r: Record<string, any>) => [r.id, r.system_id]));
  const findings = new Map<string, { systemId: string; number: string | null; title: string }>(
    (await knex('findings').join('assessments', 'assessments.id', 'findings.assessment_id').whereIn('findings.id', ids('finding')).select('findings.id', 'findings.number', 'findings.title', 'assessments.system_id')).map(
      (r: Record<string, any>) => [r.id, { systemId: r.system_id, number: r.number ?? null, title: r.title }],
    ),
  );
  const systemOf = (d: Deadline) => (d.subject.type === 'system' ? d.subject.id : d.subject.type === 'inspection' ? inspections.get(d.subject.id) : d.subject.type === 'finding' ? findings.get(d.subject.id)?.systemId : undefined);
  const systemIds = [...new Set(deadlines.map(systemOf).filter((x): x is string => !!x))];
  const names = new Map<string, string>((await knex('systems').whereIn('id', systemIds).select('id', 'name')).map((r: Record<string, any>) => [r.id, r.name]));
  return deadlines.map((d) => {
    const systemId = systemOf(d);
    const f = d.subject.type === 'finding' ? findings.get(d.subject.id) : undefined;
    const item =
      f ? { href: `/findings/${d.subject.id}`, text: `${f.number ?? ''} ${f.title}`.trim() }
      : d.subject.type === 'evidence' ? { href: `/evidence/${d.subject.id}`, text: d.title }
      : d.subject.type === 'evidence_request' ? { href: '/evidence', text: d.title }
      : null;
    return {
      dueDate: d.dueDate,
      daysLeft: d.daysLeft,
      overdue: d.overdue,
      typeLabel: req.t(`ws.deadline_${d.type}`, { defaultValue: req.t('ui.deadlines') }),
      rule: req.lang === 'zh-CN' ? d.rule.zh : d.rule.en,
      system: systemId ? { id: systemId, name: names.get(systemId) ?? '' } : null,
      item,
    };
  });
}
