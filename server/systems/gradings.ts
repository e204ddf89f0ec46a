import { ScopedService } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { newId, now } from '../util.js';
import { grade, type Harm } from './grading-matrix.js';
import { SystemsService, type SystemRow } from './service.js';

export interface GradingInput {
  businessHarms: Harm[];
  serviceHarms: Harm[];
  rationale: string;
  gradedOn: string;
  /** Optional levels the client computed: checked against the matrix. */
  sLevel?: number;
  aLevel?: number;
  level?: number;
}

export interface GradingView {
  id: string;
  systemId: string;
  version: number;
  businessHarms: Harm[];
  serviceHarms: Harm[];
  sLevel: number;
  aLevel: number;
  level: number;
  notation: string;
  rationale: string;
  gradedOn: string;
  review: { reviewedOn: string; experts: string[]; opinion: string; evidenceId: string | null } | null;
  approval: { approvedOn: string; authority: string; reference: string; evidenceId: string | null } | null;
  createdBy: string;
  createdAt: string;
}

export const gradingView = (r: Record<string, any>): GradingView => ({
  id: r.id,
  systemId: r.system_id,
  version: Number(r.version),
  businessHarms: JSON.parse(r.business_harms),
  serviceHarms: JSON.parse(r.service_harms),
  sLevel: Number(r.s_level),
  aLevel: Number(r.a_level),
  level: Number(r.level),
  notation: r.notation,
  rationale: r.rationale,
  gradedOn: r.graded_on,
  review: r.reviewed_on
    ? { reviewedOn: r.reviewed_on, experts: JSON.parse(r.review_experts ?? '[]'), opinion: r.review_opinion, evidenceId: r.review_evidence_id ?? null }
    : null,
  approval: r.approved_on
    ? { approvedOn: r.approved_on, authority: r.approval_authority, reference: r.approval_reference, evidenceId: r.approval_evidence_id ?? null }
    : null,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const whatCode: Record<string, string> = { 'the grading date': 'grading_date', 'the expert review': 'expert_review' };
const dateOrder = (path: string, later: string, earlier: string, what: string) => {
  // `rule` + `params` let a page say it in the user's language (locale block field_errors).
  if (later < earlier) throw new ValidationError({}, [{ path, code: 'date_order', message: `must not be before ${what} (${earlier})`, rule: 'not_before', params: { what: whatCode[what] ?? what, date: earlier } }]);
};

/**
 * Grading per GB/T 22240-2020, its expert review and the competent authority's approval. Each
 * grading is a version; re-grading adds one. Consultants may draft a grading of a system that is
 * being graded; review, approval and re-grading are the officer's.
 */
export class GradingsService extends ScopedService {
  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  async list(systemId: string): Promise<GradingView[]> {
    await this.systems.load(systemId);
    return (await this.knex('gradings').where({ system_id: systemId }).orderBy('version')).map(gradingView);
  }

  async create(systemId: string, input: GradingInput): Promise<GradingView> {
    const system = await this.systems.load(systemId, 'edit');
    const result = grade(input.businessHarms, input.serviceHarms);
    const mismatch = (['sLevel', 'aLevel', 'level'] as const)
      .filter((k) => input[k] !== undefined && input[k] !== result[k])
      .map((k) => ({ path: k, code: 'matrix_mismatch', message: `the GB/T 22240-2020 matrix gives ${result[k]} (${result.notation}), not ${input[k]}`, rule: 'matrix_mismatch', params: { expected: result[k], notation: result.notation, given: input[k] } }));
    if (mismatch.length) throw new ValidationError({}, mismatch);
    // Re-grading a system past the grading stage moves it back to `grading`: the officer's call.
    if (system.status !== 'grading') this.scope.require(system.organization_id, 'manage', 'system');
    const id = newId();
    await transaction(this.knex, async (trx) => {
      const last = await trx('gradings').where({ system_id: systemId }).max({ v: 'version' }).first();
      if (system.status !== 'grading') await this.systems.recordTransition(trx, system, 'grading', 're-grading', input.gradedOn);
      await trx('gradings').insert({
        id,
        system_id: systemId,
        organization_id: system.organization_id,
        version: Number(last?.v ?? 0) + 1,
        business_harms: JSON.stringify(input.businessHarms),
        service_harms: JSON.stringify(input.serviceHarms),
        s_level: result.sLevel,
        a_level: result.aLevel,
        level: result.level,
        notation: result.notation,
        rationale: input.rationale,
        graded_on: input.gradedOn,
        created_by: this.caller.userId,
        created_at: now(),
      });
    });
    return gradingView(await this.knex('gradings').where({ id }).first());
  }

  /** Only the newest version of a system's grading can be reviewed or approved. */
  private async latest(system: SystemRow, gradingId: string): Promise<Record<string, any>> {
    const row = await this.knex('gradings').where({ id: gradingId, system_id: system.id }).first();
    if (!row) throw new NotFoundError({ resource: 'grading', id: gradingId });
    const newest = await this.knex('gradings').where({ system_id: system.id }).max({ v: 'version' }).first();
    if (Number(row.version) !== Number(newest?.v)) throw new ConflictError({ reason: 'grading_superseded', version: Number(row.version), newest: Number(newest?.v) });
    return row;
  }

  private async checkEvidence(organizationId: string, evidenceId: string | undefined | null, path: string): Promise<void> {
    if (!evidenceId) return;
    const found = await this.knex('evidence').where({ id: evidenceId, organization_id: organizationId }).whereNull('deleted_at').first();
    if (!found) throw new ValidationError({}, [{ path, code: 'not_found', message: 'no such evidence in this organisation', rule: 'no_such_evidence' }]);
  }

  /** Records the expert review (专家评审) and moves the system from grading to review, in one transaction. */
  async review(systemId: string, gradingId: string, input: { reviewedOn: string; experts: string[]; opinion: string; evidenceId?: string | null }): Promise<GradingView> {
    const system = await this.systems.load(systemId, 'manage');
    const row = await this.latest(system, gradingId);
    if (row.reviewed_on) throw new ConflictError({ reason: 'grading_already_reviewed' });
    dateOrder('reviewedOn', input.reviewedOn, row.graded_on, 'the grading date');
    await this.checkEvidence(system.organization_id, input.evidenceId, 'evidenceId');
    await transaction(this.knex, async (trx) => {
      await trx('gradings').where({ id: gradingId }).update({
        reviewed_on: input.reviewedOn,
        review_experts: JSON.stringify(input.experts),
        review_opinion: input.opinion,
        review_evidence_id: input.evidenceId ?? null,
      });
      await this.systems.recordTransition(trx, system, 'review', `expert review of grading v${row.version}`, input.reviewedOn);
    });
    return gradingView(await this.knex('gradings').where({ id: gradingId }).first());
  }

  /** Records the competent authority's approval (主管部门审批) and moves the system to approved. */
  async approve(systemId: string, gradingId: string, input: { approvedOn: string; authority: string; reference: string; evidenceId?: string | null }): Promise<GradingView> {
    const system = await this.systems.load(systemId, 'manage');
    const row = await this.latest(system, gradingId);
    if (!row.reviewed_on) throw new ConflictError({ reason: 'grading_not_reviewed' });
    if (row.approved_on) throw new ConflictError({ reason: 'grading_already_approved' });
    dateOrder('approvedOn', input.approvedOn, row.reviewed_on, 'the expert review');
    await this.checkEvidence(system.organization_id, input.evidenceId, 'evidenceId');
    await transaction(this.knex, async (trx) => {
      await trx('gradings').where({ id: gradingId }).update({
        approved_on: input.approvedOn,
        approval_authority: input.authority,
        approval_reference: input.reference,
        approval_evidence_id: input.evidenceId ?? null,
      });
      await this.systems.recordTransition(trx, system, 'approved', `${input.authority} ${input.reference}`, input.approvedOn);
    });
    return gradingView(await this.knex('gradings').where({ id: gradingId }).first());
  }
}
