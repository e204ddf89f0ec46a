import { registerDeadlineProvider } from '../deadlines/index.js';

// Evidence past or near its valid-until date, and open evidence requests by their due date.
registerDeadlineProvider(async ({ knex, scope, until }) => {
  const expiring = await scope
    .query(knex, 'evidence')
    .whereNull('deleted_at')
    .whereNotNull('valid_until')
    .where('valid_until', '<=', until)
    .select('id', 'organization_id', 'title', 'valid_until');
  const requests = await scope
    .query(knex, 'evidence_requests')
    .where('status', 'open')
    .where('due_date', '<=', until)
    .select('id', 'organization_id', 'title', 'due_date');
  return [
    ...expiring.map((e: Record<string, string>) => ({
      type: 'evidence_expiry',
      organizationId: e.organization_id,
      dueDate: e.valid_until,
      title: e.title,
      subject: { type: 'evidence', id: e.id },
      rule: { zh: '证据有效期至该日', en: 'The evidence is valid until this date', source: 'valid-until date recorded on the evidence' },
    })),
    ...requests.map((r: Record<string, string>) => ({
      type: 'evidence_request',
      organizationId: r.organization_id,
      dueDate: r.due_date,
      title: r.title,
      subject: { type: 'evidence_request', id: r.id },
      rule: { zh: '证据请求的截止日期', en: 'Due date of the open evidence request', source: 'due date set on the request' },
    })),
  ];
});
