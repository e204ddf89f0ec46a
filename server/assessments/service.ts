import type { Knex } from 'knex';
import type { Catalogue } from '../catalogue/index.js';
import { upsertCatalogue } from '../catalogue/store.js';
import { ScopedService, type Permission, type ServiceContext } from '../context.js';
import { keysetPage, type Page, type PageRequest, type SortKey } from '../database/keyset.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { SystemsService } from '../systems/service.js';
import { newId, now } from '../util.js';
import { requirementSetsOf } from '../catalogue/sets.js';
import { syncScope } from './scope.js';
import { applyInheritance } from '../cloud/inheritance.js';
import { conclusionSchemes } from './schemes.js';

export const ASSESSMENT_KINDS = ['self_assessment', 'gap_analysis', 'formal_test'] as const;
export const ASSESSMENT_STATUSES = ['draft', 'in_progress', 'review', 'completed', 'locked'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
const NEXT: Record<AssessmentStatus, readonly AssessmentStatus[]> = {
  draft: ['in_progress'],
  in_progress: ['review'],
  review: ['in_progress', 'completed'],
  completed: ['locked', 'in_progress'],
  locked: [],
};
/** Results and findings can change only while the assessment is open. */
export const WRITABLE: ReadonlySet<string> = new Set(['draft', 'in_progress', 'review']);

export interface AssessmentFilter {
  systemId?: string;
  organizationId?: string;
  status?: string;
  kind?: string;
}

export type AssessmentRow = Record<string, any> & { id: string; organization_id: string; system_id: string; status: AssessmentStatus };

export interface AssessmentInput {
  systemId: string;
  kind: (typeof ASSESSMENT_KINDS)[number];
  scheme?: string;
  assessingOrganization?: string | null;
  assessingOrganizationCode?: string | null;
  reportNumber?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  retestOf?: string;
}

export const assessmentView = (r: Record<string, any>) => ({
  id: r.id as string,
  organizationId: r.organization_id as string,
  systemId: r.system_id as string,
  kind: r.kind as string,
  level: Number(r.level),
  catalogueVersionId: r.catalogue_version_id as string,
  requirementSets: JSON.parse(r.requirement_sets) as string[],
  scheme: r.scheme as string,
  assessingOrganization: r.assessing_organization ?? null,
  assessingOrganizationCode: r.assessing_organization_code ?? null,
  reportNumber: r.report_number ?? null,
  startDate: r.start_date ?? null,
  endDate: r.end_date ?? null,
  status: r.status as AssessmentStatus,
  allowedTransitions: NEXT[r.status as AssessmentStatus],
  revision: Number(r.revision),
  previousRevisionId: r.previous_revision_id ?? null,
  retestOfId: r.retest_of_id ?? null,
  conclusionOverride: r.conclusion_override ? JSON.parse(r.conclusion_override) : null,
  inheritance: r.inheritance ? JSON.parse(r.inheritance) : null,
  createdBy: r.created_by as string,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

/** Assessments (self-assessment, gap analysis, formal test) of a system, their status and revisions. */
export class AssessmentsService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly catalogue?: Catalogue,
  ) {
    super(ctx);
  }

  async load(id: string, permission: Permission = 'read', trx: Knex = this.knex): Promise<AssessmentRow> {
    const row = (await this.scope.query(trx, 'assessments').where('assessments.id', id).first()) as AssessmentRow | undefined;
    if (!row) throw new NotFoundError({ resource: 'assessment', id });
    this.scope.require(row.organization_id, permission, 'assessment');
    return row;
  }

  /** Loads an assessment for a change of results or findings: 409 when it is completed or locked. */
  async loadWritable(id: string, trx: Knex = this.knex): Promise<AssessmentRow> {
    const row = await this.load(id, 'edit', trx);
    if (!WRITABLE.has(row.status)) throw new ConflictError({ reason: row.status === 'locked' ? 'assessment_locked_read_only' : 'assessment_read_only', status: row.status });
    return row;
  }

  private filtered(filter: AssessmentFilter): Knex.QueryBuilder {
    let q = this.scope.query(this.knex, 'assessments');
    if (filter.systemId) q = q.where('system_id', filter.systemId);
    if (filter.organizationId) q = q.where('organization_id', filter.organizationId);
    if (filter.status) q = q.where('status', filter.status);
    if (filter.kind) q = q.where('kind', filter.kind);
    return q;
  }

  async list(filter: AssessmentFilter) {
    return (await this.filtered(filter).orderBy('created_at', 'desc')).map(assessmentView);
  }

  /** A page of assessments, newest first (the id breaks ties of one millisecond). */
  async page(filter: AssessmentFilter, page: PageRequest): Promise<Page<ReturnType<typeof assessmentView>>> {
    const keys: SortKey[] = [
      { column: 'created_at', desc: true },
      { column: 'id', desc: true },
    ];
    const result = await keysetPage<Record<string, any>>(this.filtered(filter), keys, page, (r) => [r.created_at, r.id]);
    return { ...result, rows: result.rows.map(assessmentView) };
  }

  async get(id: string) {
    return assessmentView(await this.load(id));
  }

  private async catalogueVersionId(trx: Knex): Promise<string> {
    if (!this.catalogue) throw new Error('AssessmentsService needs the catalogue to start an assessment');
    return (await upsertCatalogue(trx, this.catalogue)).id;
  }

  /** Report number: <filing certificate number>-<YY>-<assessing organisation code>-<sequence>. */
  private async reportNumber(trx: Knex, systemId: string, code: string, startDate: string): Promise<string | null> {
    const filing = await trx('filings').where({ system_id: systemId }).first();
    if (!filing?.certificate_number) return null;
    const yy = startDate.slice(2, 4);
    const prefix = `${filing.certificate_number}-${yy}-${code}-`;
    const used = await trx('assessments').whereLike('report_number', `${prefix}%`).count({ n: '*' }).first();
    return `${prefix}${String(Number(used?.n ?? 0) + 1).padStart(2, '0')}`;
  }

  async create(input: AssessmentInput) {
    const systems = new SystemsService({ knex: this.knex, caller: this.caller });
    const system = await systems.load(input.systemId, 'edit');
    const scheme = input.scheme ?? 'mlps-2025';
    if (!conclusionSchemes().has(scheme)) {
      throw new ValidationError({}, [{ path: 'scheme', code: 'invalid_value', message: `must be one of: ${[...conclusionSchemes().keys()].join(', ')}` }]);
    }
    if (input.reportNumber && !/^.+-\d{2}-\d{4}-\d{2}$/.test(input.reportNumber)) {
      throw new ValidationError({}, [{ path: 'reportNumber', code: 'invalid_format', message: 'must be <filing certificate number>-<YY>-<organisation code, 4 digits>-<sequence, 2 digits>' }]);
    }
    const previous = input.retestOf ? await this.load(input.retestOf) : undefined;
    if (previous && previous.system_id !== input.systemId) throw new ValidationError({}, [{ path: 'retestOf', code: 'invalid_value', message: 'must be an assessment of the same system' }]);
    const grading = await this.knex('gradings').where({ system_id: input.systemId }).orderBy([{ column: 'approved_on', order: 'desc', nulls: 'last' }, { column: 'version', order: 'desc' }]).first();
    if (!grading) throw new ConflictError({ reason: 'system_not_graded' });
    const id = newId();
    await transaction(this.knex, async (trx) => {
      const catalogueVersionId = await this.catalogueVersionId(trx);
      const sets = requirementSetsOf(system);
      const start = input.startDate ?? null;
      const reportNumber =
        input.reportNumber ?? (input.kind === 'formal_test' && input.assessingOrganizationCode && start ? await this.reportNumber(trx, input.systemId, input.assessingOrganizationCode, start) : null);
      const row = {
        id,
        organization_id: system.organization_id,
        system_id: input.systemId,
        kind: input.kind,
        level: Number(grading.level),
        catalogue_version_id: catalogueVersionId,
        requirement_sets: JSON.stringify(sets),
        scheme,
        assessing_organization: input.assessingOrganization ?? null,
        assessing_organization_code: input.assessingOrganizationCode ?? null,
        report_number: reportNumber,
        start_date: start,
        end_date: input.endDate ?? null,
        status: 'draft',
        revision: 1,
        retest_of_id: previous?.id ?? null,
        created_by: this.caller.userId,
        created_at: now(),
        updated_at: now(),
      };
      await trx('assessments').insert(row);
      await syncScope(trx, row);
      if (previous) await this.carryOpenFindings(trx, previous.id, row);
      if (system.platform_id) await applyInheritance(trx, this.catalogue!, id, this.caller.userId);
    });
    return this.get(id);
  }

  /** A re-test brings the previous test's open findings along as "previous issues" (appendix B). */
  private async carryOpenFindings(trx: Knex, previousId: string, target: Record<string, any>): Promise<void> {
    const open = await trx('findings')
      .leftJoin('remediations', 'remediations.finding_id', 'findings.id')
      .where('findings.assessment_id', previousId)
      .where((w) => w.whereNull('remediations.status').orWhereNotIn('remediations.status', ['verified', 'risk_accepted']))
      .orderBy('findings.seq')
      .select('findings.*', 'remediations.owner', 'remediations.due_date', 'remediations.status as remediation_status');
    let seq = 0;
    for (const f of open) {
      const fid = newId();
      seq++;
      await trx('findings').insert({
        ...pickFinding(f),
        id: fid,
        assessment_id: target.id,
        organization_id: target.organization_id,
        seq,
        number: f.number, // a carried-over finding keeps the number it was cited by
        previous: true,
        carried_from_id: f.id,
        row_version: 1,
        created_by: this.caller.userId,
        created_at: now(),
        updated_at: now(),
      });
      await trx('remediations').insert({ finding_id: fid, organization_id: target.organization_id, owner: f.owner ?? null, due_date: f.due_date ?? null, status: f.remediation_status ?? 'open', updated_at: now() });
    }
    // New findings of the re-test continue after every number the previous test gave (carried over
    // or not), so within a chain of tests a number always means the same problem.
    const prev = await trx('assessments').where({ id: previousId }).first('finding_counter');
    const { reserveFindingNumber, findingNumberValue } = await import('./numbering.js');
    await reserveFindingNumber(trx, target.id, Math.max(Number(prev?.finding_counter ?? 0), ...open.map((f: { number: string }) => findingNumberValue(f.number))));
  }

  async update(id: string, patch: Partial<Omit<AssessmentInput, 'systemId' | 'retestOf' | 'kind'>> & { conclusionOverride?: { conclusion: string; reason: string } | null }) {
    const row = await this.load(id, 'edit');
    if (row.status === 'locked') throw new ConflictError({ reason: 'assessment_locked_read_only', status: row.status });
    const changes: Record<string, unknown> = { updated_at: now() };
    const map: Record<string, string> = { scheme: 'scheme', assessingOrganization: 'assessing_organization', assessingOrganizationCode: 'assessing_organization_code', reportNumber: 'report_number', startDate: 'start_date', endDate: 'end_date' };
    for (const [k, c] of Object.entries(map)) if ((patch as Record<string, unknown>)[k] !== undefined) changes[c] = (patch as Record<string, unknown>)[k];
    if (patch.scheme && !conclusionSchemes().has(patch.scheme)) throw new ValidationError({}, [{ path: 'scheme', code: 'invalid_value', message: `must be one of: ${[...conclusionSchemes().keys()].join(', ')}` }]);
    if (patch.conclusionOverride !== undefined) {
      // Overriding the computed conclusion is the officer's decision, with a reason.
      this.scope.require(row.organization_id, 'manage', 'assessment');
      changes.conclusion_override = patch.conclusionOverride ? JSON.stringify({ ...patch.conclusionOverride, by: this.caller.username, at: now() }) : null;
    }
    await this.knex('assessments').where({ id }).update(changes);
    return this.get(id);
  }

  async transition(id: string, to: AssessmentStatus) {
    const row = await this.load(id, to === 'locked' || to === 'completed' ? 'manage' : 'edit');
    if (!NEXT[row.status].includes(to)) {
      throw new ConflictError({ reason: 'assessment_transition_not_allowed', from: row.status, to, allowed: NEXT[row.status].join(', ') });
    }
    await this.knex('assessments').where({ id }).update({ status: to, updated_at: now() });
    return this.get(id);
  }

  /** Re-applies inheritance from the system's platform (after the platform or the matrix changed). */
  async inherit(id: string) {
    const row = await this.loadWritable(id);
    await transaction(this.knex, (trx) => applyInheritance(trx, this.catalogue!, row.id, this.caller.userId));
    return this.get(id);
  }

  /** A locked assessment is changed through a new revision: a copy (results, findings, remediation) that keeps the old one. */
  async revise(id: string) {
    const old = await this.load(id, 'edit');
    if (old.status !== 'locked') throw new ConflictError({ reason: 'revision_needs_locked' });
    const newer = await this.knex('assessments').where({ previous_revision_id: id }).first();
    if (newer) throw new ConflictError({ reason: 'revision_exists', revision: newer.revision });
    const nid = newId();
    await transaction(this.knex, async (trx) => {
      await trx('assessments').insert({ ...old, id: nid, status: 'in_progress', revision: Number(old.revision) + 1, previous_revision_id: id, created_by: this.caller.userId, created_at: now(), updated_at: now() });
      const results = await trx('assessment_results').where({ assessment_id: id });
      for (let i = 0; i < results.length; i += 200) {
        await trx('assessment_results').insert(results.slice(i, i + 200).map((r: Record<string, unknown>) => ({ ...r, id: newId(), assessment_id: nid, row_version: 1 })));
      }
      // Findings and their remediations in a few statements, not three per finding.
      const findings = await trx('findings').where({ assessment_id: id });
      const copied = new Map<string, string>(findings.map((f: { id: string }) => [f.id, newId()]));
      const remediations = await trx('remediations').whereIn('finding_id', [...copied.keys()]);
      const findingRows = findings.map((f: Record<string, unknown>) => ({ ...f, id: copied.get(f.id as string), assessment_id: nid, row_version: 1 }));
      for (let i = 0; i < findingRows.length; i += 100) await trx('findings').insert(findingRows.slice(i, i + 100));
      const remediationRows = remediations.map((r: Record<string, unknown>) => ({ ...r, finding_id: copied.get(r.finding_id as string) }));
      for (let i = 0; i < remediationRows.length; i += 200) await trx('remediations').insert(remediationRows.slice(i, i + 200));
      await (await import('./hazards.js')).copyHazards(trx, id, nid, copied);
      // The assessor's additional items (X-…) travel with the revision too.
      const extra = await trx('assessment_extra_items').where({ assessment_id: id });
      if (extra.length) await trx('assessment_extra_items').insert(extra.map((r: Record<string, unknown>) => ({ ...r, id: newId(), assessment_id: nid })));
      await (await import('../verification/copy.js')).copyVerification(trx, id, nid, copied);
    });
    return this.get(nid);
  }
}

function pickFinding(f: Record<string, any>) {
  const keys = ['title', 'description', 'units', 'objects', 'threat', 'harm', 'risk', 'high_risk_case_id', 'high_risk_status', 'high_risk_reason', 'mitigation', 'risk_after_mitigation', 'mitigation_reason', 'recommendation'];
  return Object.fromEntries(keys.map((k) => [k, f[k] ?? null]).filter(([k, v]) => v !== null || k === 'description')) as Record<string, unknown>;
}
