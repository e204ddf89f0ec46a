import { ScopedService } from '../context.js';
import { ConflictError } from '../errors.js';
import { newId, now } from '../util.js';
import { assertLinkTarget } from './link-targets.js';

export interface EvidenceRequestView {
  id: string;
  organizationId: string;
  title: string;
  description: string | null;
  requestedFrom: string;
  dueDate: string;
  target: { type: string; id: string } | null;
  status: 'open' | 'fulfilled' | 'cancelled';
  fulfilledEvidenceId: string | null;
  fulfilledAt: string | null;
  createdBy: string;
  createdAt: string;
}

const view = (r: Record<string, any>): EvidenceRequestView => ({
  id: r.id,
  organizationId: r.organization_id,
  title: r.title,
  description: r.description ?? null,
  requestedFrom: r.requested_from,
  dueDate: r.due_date,
  target: r.target_type ? { type: r.target_type, id: r.target_id } : null,
  status: r.status,
  fulfilledEvidenceId: r.fulfilled_evidence_id ?? null,
  fulfilledAt: r.fulfilled_at ?? null,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Requests for evidence (what, from whom, by when, for which target); fulfilled by an upload against them. */
export class EvidenceRequestsService extends ScopedService {
  async list(filter: { organizationId?: string; status?: string }): Promise<EvidenceRequestView[]> {
    let q = this.scope.query(this.knex, 'evidence_requests');
    if (filter.organizationId) q = q.where('organization_id', filter.organizationId);
    if (filter.status) q = q.where('status', filter.status);
    return (await q.orderBy('due_date').orderBy('created_at')).map(view);
  }

  async create(input: {
    organizationId: string;
    title: string;
    description?: string | null;
    requestedFrom: string;
    dueDate: string;
    target?: { type: string; id: string };
  }): Promise<EvidenceRequestView> {
    this.scope.require(input.organizationId, 'edit', 'organization');
    if (input.target) {
      await assertLinkTarget(this.knex, input.organizationId, input.target.type, input.target.id);
    }
    const at = now();
    const row = {
      id: newId(),
      organization_id: input.organizationId,
      title: input.title,
      description: input.description ?? null,
      requested_from: input.requestedFrom,
      due_date: input.dueDate,
      target_type: input.target?.type ?? null,
      target_id: input.target?.id ?? null,
      status: 'open',
      created_by: this.caller.userId,
      created_at: at,
      updated_at: at,
    };
    await this.knex('evidence_requests').insert(row);
    return view(row);
  }

  async cancel(id: string): Promise<EvidenceRequestView> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence_requests', id, 'edit', 'evidence_request');
    if (row.status !== 'open') throw new ConflictError({ reason: 'request_closed' });
    await this.knex('evidence_requests').where({ id }).update({ status: 'cancelled', updated_at: now() });
    return view({ ...row, status: 'cancelled' });
  }
}
