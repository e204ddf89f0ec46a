import { registerDeadlineProvider } from '../deadlines/index.js';

// Remediation of findings with a due date that is not finished (verified or risk accepted).
registerDeadlineProvider(async ({ knex, scope, until }) => {
  const rows = await scope
    .query(knex, 'remediations')
    .join('findings', 'findings.id', 'remediations.finding_id')
    .join('assessments', 'assessments.id', 'findings.assessment_id')
    .whereIn('remediations.status', ['open', 'in_progress', 'fixed'])
    .whereNotNull('remediations.due_date')
    .where('remediations.due_date', '<=', until)
    .select('findings.id', 'findings.number', 'findings.title', 'findings.assessment_id', 'remediations.organization_id', 'remediations.due_date', 'remediations.owner', 'assessments.system_id');
  return rows.map((r: Record<string, string>) => ({
    type: 'remediation_due',
    organizationId: r.organization_id,
    dueDate: r.due_date,
    title: `${r.number} ${r.title}${r.owner ? ` (${r.owner})` : ''}`,
    subject: { type: 'finding', id: r.id },
    systemId: r.system_id,
    rule: { zh: '整改计划的完成期限', en: 'Due date of the remediation plan', source: 'due date set on the finding’s remediation' },
  }));
});
