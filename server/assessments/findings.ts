import { keysetPage, type Page, type PageRequest } from '../database/keyset.js';
import type { Knex } from 'knex';
import { recordAudit } from '../audit/chain.js';
import { ScopedService, type ServiceContext } from '../context.js';
import { lockRow } from '../database/locking.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { registerLinkTarget } from '../evidence/link-targets.js';
import { bool, newId, now } from '../util.js';
import { effectiveRisk, nextFindingNumber } from './numbering.js';
import { riskAnalysisView } from './risk-analysis-view.js';
import { findingSources } from '../verification/sources.js';
import { assertNoHazardOn } from './hazards.js';
import { unitsInScope } from './scope.js';
import { AssessmentsService, type AssessmentRow } from './service.js';

export type Risk = 'high' | 'medium' | 'low';
const RISK_RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

export interface FindingInput {
  title: string;
  description?: string | null;
  units: string[];
  objects?: string[];
  threat?: string | null;
  harm?: string | null;
  risk: Risk;
  recommendation?: string | null;
}

export interface FindingPatch extends Partial<FindingInput> {
  rowVersion: number;
  highRisk?: { action: 'confirm' | 'dismiss'; reason?: string };
  mitigation?: { measure: string; riskAfter: Risk; reason: string } | null;
}

export const REMEDIATION_STATUSES = ['open', 'in_progress', 'fixed', 'verified', 'risk_accepted'] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];
const REMEDIATION_NEXT: Record<RemediationStatus, readonly RemediationStatus[]> = {
  open: ['open', 'in_progress', 'fixed', 'risk_accepted'],
  in_progress: ['in_progress', 'open', 'fixed', 'risk_accepted'],
  fixed: ['fixed', 'in_progress', 'verified', 'risk_accepted'],
  verified: ['verified'],
  risk_accepted: ['risk_accepted', 'open'],
};

export function findingView(r: Record<string, any>, rem?: Record<string, any>) {
  const majorRisk = r.high_risk_status === 'confirmed' && !r.risk_after_mitigation;
  return {
    id: r.id as string,
    assessmentId: r.assessment_id as string,
    number: r.number as string,
    title: r.title as string,
    description: r.description ?? null,
    units: JSON.parse(r.units) as string[],
    objects: JSON.parse(r.objects) as string[],
    threat: r.threat ?? null,
    harm: r.harm ?? null,
    risk: r.risk as Risk,
    effectiveRisk: effectiveRisk(r),
    highRiskCase: r.high_risk_case_id ? { id: r.high_risk_case_id as string, status: r.high_risk_status as string, reason: r.high_risk_reason ?? null } : null,
    mitigation: r.mitigation ? { measure: r.mitigation as string, riskAfter: r.risk_after_mitigation as Risk, reason: r.mitigation_reason as string } : null,
    /** Matches a confirmed high-risk case with no compensating measure: a hint to record a 重大风险隐患 (hazards.ts), no longer the hazard itself. */
    majorRisk,
    recommendation: r.recommendation ?? null,
    previous: bool(r.previous),
    carriedFromId: r.carried_from_id ?? null,
    remediation: rem
      ? { owner: rem.owner ?? null, dueDate: rem.due_date ?? null, status: rem.status as RemediationStatus, reason: rem.reason ?? null, decidedBy: rem.decided_by ?? null, updatedAt: rem.updated_at }
      : null,
    rowVersion: Number(r.row_version),
    createdAt: r.created_at as string,
    /** Risk analysis (chapter 7): threat classes, likelihood × impact through the matrix, an override with its reason. */
    riskAnalysis: riskAnalysisView(r),
    compensationId: (r.compensation_id ?? null) as string | null,
    /** The scan vulnerabilities and pen-test cases this finding was raised from (filled by list/get). */
    sources: [] as Array<{ type: 'scan_vulnerability' | 'pentest_case'; id: string; label: string }>,
  };
}
export type FindingView = ReturnType<typeof findingView>;

registerLinkTarget('finding', async (knex, organizationId, targetId) =>
  /^[0-9a-f-]{36}$/.test(targetId) && !!(await knex('findings').where({ id: targetId, organization_id: organizationId }).first()),
);
registerLinkTarget('remediation_verification', async (knex, organizationId, targetId) =>
  /^[0-9a-f-]{36}$/.test(targetId) && !!(await knex('findings').where({ id: targetId, organization_id: organizationId }).first()),
);

/** Views of finding rows with their remediation and sources: three statements for any number. */
export async function findingViews(knex: Knex, rows: Array<Record<string, any>>): Promise<FindingView[]> {
  const rems = await knex('remediations').whereIn('finding_id', rows.map((r) => r.id as string));
  const sources = await findingSources(knex, rows.map((r) => r.id as string));
  return rows.map((r: Record<string, any>) => ({ ...findingView(r, rems.find((x: { finding_id: string }) => x.finding_id === r.id)), sources: sources.get(r.id) ?? [] }));
}

/** An assessment's findings in number order. No tenancy check: for a caller that loaded the assessment (snapshot.ts). */
export async function readFindings(knex: Knex, assessmentId: string): Promise<FindingView[]> {
  return findingViews(knex, await knex('findings').where({ assessment_id: assessmentId }).orderBy('number'));
}

/**
 * Findings (安全问题) of an assessment, their high-risk case, compensating measures and
 * remediation (整改). A finding's number (T001…) is given at creation and never changes (numbering.ts).
 */
export class FindingsService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  async list(assessmentId: string): Promise<FindingView[]> {
    await this.assessments.load(assessmentId);
    return readFindings(this.knex, assessmentId);
  }

  /** A page of an assessment's findings in number order (T001, T002, …). */
  async page(assessmentId: string, page: PageRequest): Promise<Page<FindingView>> {
    await this.assessments.load(assessmentId);
    const keys = [{ column: 'number' }, { column: 'id' }];
    const result = await keysetPage<Record<string, any>>(this.knex('findings').where({ assessment_id: assessmentId }), keys, page, (r) => [r.number, r.id]);
    return { ...result, rows: await this.views(result.rows) };
  }

  private views(rows: Array<Record<string, any>>): Promise<FindingView[]> {
    return findingViews(this.knex, rows);
  }

  private async loadFinding(id: string, trx: Knex = this.knex) {
    const row = await this.scope.query(trx, 'findings').where('id', id).first();
    if (!row) throw new NotFoundError({ resource: 'finding', id });
    return row as Record<string, any> & { organization_id: string; assessment_id: string };
  }

  /** Checked before a form's body is judged: the finding is the caller's to change, in a writable assessment. */
  async assertCanChange(id: string): Promise<{ assessmentId: string }> {
    const row = await this.loadFinding(id);
    await this.assessments.loadWritable(row.assessment_id);
    return { assessmentId: row.assessment_id };
  }

  async get(id: string): Promise<FindingView> {
    const row = await this.loadFinding(id);
    const sources = await findingSources(this.knex, [id]);
    return { ...findingView(row, await this.knex('remediations').where({ finding_id: id }).first()), sources: sources.get(id) ?? [] };
  }

  /** The high-risk case a finding's units point to, applicable at the assessment's level. */
  private async suggestCase(trx: Knex, a: AssessmentRow, units: string[]): Promise<string | null> {
    if (!units.length) return null;
    const rows = await trx('high_risk_case_units')
      .join('high_risk_cases', (j) => j.on('high_risk_cases.case_id', 'high_risk_case_units.case_id').andOn('high_risk_cases.catalogue_version_id', 'high_risk_case_units.catalogue_version_id'))
      .where('high_risk_case_units.catalogue_version_id', a.catalogue_version_id)
      .whereIn('high_risk_case_units.code', units)
      .where('high_risk_cases.min_level', '<=', Number(a.level))
      .orderBy('high_risk_cases.case_id')
      .select('high_risk_cases.case_id');
    return rows[0]?.case_id ?? null;
  }

  private async checkScope(trx: Knex, a: AssessmentRow, units: string[], objects: string[]): Promise<void> {
    const inScope = new Set((await unitsInScope(trx, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets))).map((u) => u.code));
    const problems = units.filter((u) => !inScope.has(u)).map((u) => ({ path: 'units', code: 'out_of_scope', message: `unit ${u} is not in this assessment's scope` }));
    const known = new Set((await trx('assessed_objects').where({ system_id: a.system_id }).pluck('id')) as string[]);
    problems.push(...objects.filter((o) => o !== 'system' && !known.has(o)).map((o) => ({ path: 'objects', code: 'unknown_object', message: `object ${o} is not an assessed object of this system` })));
    if (problems.length) throw new ValidationError({}, problems);
  }

  async create(assessmentId: string, input: FindingInput): Promise<FindingView> {
    const id = newId();
    await transaction(this.knex, async (trx) => {
      const a = await this.assessments.loadWritable(assessmentId, trx);
      await this.checkScope(trx, a, input.units, input.objects ?? []);
      // The number first: it locks the assessment row, so seq is read under the lock as well.
      const number = await nextFindingNumber(trx, assessmentId);
      const last = await trx('findings').where({ assessment_id: assessmentId }).max({ s: 'seq' }).first();
      const suggestion = await this.suggestCase(trx, a, input.units);
      await trx('findings').insert({
        id,
        assessment_id: assessmentId,
        organization_id: a.organization_id,
        seq: Number(last?.s ?? 0) + 1,
        number,
        title: input.title,
        description: input.description ?? null,
        units: JSON.stringify(input.units),
        objects: JSON.stringify(input.objects ?? []),
        threat: input.threat ?? null,
        harm: input.harm ?? null,
        risk: input.risk,
        high_risk_case_id: suggestion,
        high_risk_status: suggestion ? 'suggested' : 'none',
        recommendation: input.recommendation ?? null,
        previous: false,
        row_version: 1,
        created_by: this.caller.userId,
        created_at: now(),
        updated_at: now(),
      });
      await trx('remediations').insert({ finding_id: id, organization_id: a.organization_id, status: 'open', updated_at: now() });
    });
    return this.get(id);
  }

  /** Drafts one finding per non-conforming or partly conforming unit that has none yet. */
  async draftFromResults(assessmentId: string): Promise<FindingView[]> {
    const a = await this.assessments.loadWritable(assessmentId);
    const units = new Map((await unitsInScope(this.knex, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets))).map((u) => [u.code, u]));
    const rows = await this.knex('assessment_results').where({ assessment_id: assessmentId }).whereIn('value', ['nonconform', 'partial']).orderBy('code');
    const covered = new Set((await this.knex('findings').where({ assessment_id: assessmentId }).pluck('units')).flatMap((u: string) => JSON.parse(u) as string[]));
    const byUnit = new Map<string, Array<Record<string, any>>>();
    for (const r of rows) if (!covered.has(r.code)) byUnit.set(r.code, [...(byUnit.get(r.code) ?? []), r]);
    const created: FindingView[] = [];
    for (const [code, results] of byUnit) {
      const u = units.get(code)!;
      const worst = results.some((r) => r.value === 'nonconform');
      created.push(
        await this.create(assessmentId, {
          title: `${u.controlPoint.zh}：${u.text.zh.replace(/。$/, '')}${worst ? '（未满足）' : '（部分满足）'}`,
          description: results.map((r) => r.record).filter(Boolean).join('\n') || null,
          units: [code],
          objects: results.map((r) => r.object_key),
          risk: worst && u.weight === 'key' ? 'high' : worst ? 'medium' : 'low',
        }),
      );
    }
    return created;
  }

  async update(id: string, patch: FindingPatch): Promise<FindingView> {
    const current = await this.loadFinding(id);
    await transaction(this.knex, async (trx) => {
      const a = await this.assessments.loadWritable(current.assessment_id, trx);
      // Under the row lock (PostgreSQL): a concurrent stale update gets stale_row_version with
      // the current row, as on SQLite, instead of silently overwriting.
      const row = (await lockRow(trx, 'findings', { id }))!;
      if (Number(row.row_version) !== patch.rowVersion) {
        throw new ConflictError({ reason: 'stale_row_version' }, [{ path: 'rowVersion', code: 'stale_row_version', message: 'changed by someone else', current: findingView(row) }]);
      }
      const changes: Record<string, unknown> = { updated_at: now(), row_version: Number(row.row_version) + 1 };
      for (const [k, c] of Object.entries({ title: 'title', description: 'description', threat: 'threat', harm: 'harm', risk: 'risk', recommendation: 'recommendation' })) {
        if ((patch as unknown as Record<string, unknown>)[k] !== undefined) changes[c] = (patch as unknown as Record<string, unknown>)[k];
      }
      if (patch.units || patch.objects) {
        const units = patch.units ?? JSON.parse(row.units);
        await this.checkScope(trx, a, units, patch.objects ?? JSON.parse(row.objects));
        changes.units = JSON.stringify(units);
        if (patch.objects) changes.objects = JSON.stringify(patch.objects);
        if (patch.units && row.high_risk_status !== 'confirmed' && row.high_risk_status !== 'dismissed') {
          const suggestion = await this.suggestCase(trx, a, units);
          changes.high_risk_case_id = suggestion;
          changes.high_risk_status = suggestion ? 'suggested' : 'none';
        }
      }
      if (patch.highRisk) {
        if (!row.high_risk_case_id && !changes.high_risk_case_id) throw new ConflictError({ reason: 'no_high_risk_case' });
        if (patch.highRisk.action === 'dismiss' && !patch.highRisk.reason) {
          throw new ValidationError({}, [{ path: 'highRisk.reason', code: 'required', message: 'dismissing a high-risk case needs a reason' }]);
        }
        changes.high_risk_status = patch.highRisk.action === 'confirm' ? 'confirmed' : 'dismissed';
        changes.high_risk_reason = patch.highRisk.reason ?? null;
        // A confirmed high-risk case makes the finding high risk.
        if (patch.highRisk.action === 'confirm') changes.risk = 'high';
      }
      if (patch.mitigation !== undefined) {
        // The finding's own measure replaces a compensation's (chapter 6); the column exists from migration 20261130J on.
        if ('compensation_id' in row) changes.compensation_id = null;
        if (patch.mitigation) {
          const risk = (changes.risk ?? row.risk) as Risk;
          if (RISK_RANK[patch.mitigation.riskAfter] >= RISK_RANK[risk]) {
            throw new ValidationError({}, [{ path: 'mitigation.riskAfter', code: 'not_lower', message: `a compensating measure must lower the risk below ${risk}` }]);
          }
          changes.mitigation = patch.mitigation.measure;
          changes.risk_after_mitigation = patch.mitigation.riskAfter;
          changes.mitigation_reason = patch.mitigation.reason;
        } else {
          changes.mitigation = null;
          changes.risk_after_mitigation = null;
          changes.mitigation_reason = null;
        }
      }
      await trx('findings').where({ id }).update(changes);
    });
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const current = await this.loadFinding(id);
    await transaction(this.knex, async (trx) => {
      await this.assessments.loadWritable(current.assessment_id, trx);
      await assertNoHazardOn(trx, id);
      // Recoverable: the whole row and its remediation plan are kept in the audit entry.
      const snapshot = { finding: await trx('findings').where({ id }).first(), remediation: (await trx('remediations').where({ finding_id: id }).first()) ?? null };
      await trx('findings').where({ id }).delete();
      await recordAudit(trx, { organizationId: current.organization_id, action: 'finding.delete', targetType: 'finding', targetId: id, changes: { deleted: snapshot } });
    });
  }

  /**
   * Remediation (整改) of a finding. `verified` needs verification evidence linked to the finding
   * (target type remediation_verification); `risk_accepted` needs an officer and a reason. Remediation
   * continues after the assessment is completed, so it is not bound to the assessment's status.
   */
  async remediate(id: string, input: { owner?: string | null; dueDate?: string | null; status: RemediationStatus; reason?: string | null }): Promise<FindingView> {
    const finding = await this.loadFinding(id);
    this.scope.require(finding.organization_id, 'edit', 'finding');
    await transaction(this.knex, async (trx) => {
      const rem = await trx('remediations').where({ finding_id: id }).first();
      const from = (rem?.status ?? 'open') as RemediationStatus;
      if (!REMEDIATION_NEXT[from].includes(input.status)) {
        throw new ConflictError({ reason: 'remediation_transition_not_allowed', from, to: input.status, allowed: REMEDIATION_NEXT[from].join(', ') });
      }
      if (input.status === 'verified' && from !== 'verified') {
        const evidence = await trx('evidence_links')
          .join('evidence', 'evidence.id', 'evidence_links.evidence_id')
          .where({ 'evidence_links.target_type': 'remediation_verification', 'evidence_links.target_id': id })
          .whereNull('evidence.deleted_at')
          .first();
        if (!evidence) throw new ConflictError({ reason: 'verification_needs_evidence', targetType: 'remediation_verification' });
      }
      if (input.status === 'risk_accepted' && from !== 'risk_accepted') {
        this.scope.require(finding.organization_id, 'manage', 'finding');
        if (!input.reason) throw new ValidationError({}, [{ path: 'reason', code: 'required', message: 'accepting a risk needs a reason' }]);
      }
      const row = {
        owner: input.owner !== undefined ? input.owner : (rem?.owner ?? null),
        due_date: input.dueDate !== undefined ? input.dueDate : (rem?.due_date ?? null),
        status: input.status,
        reason: input.reason ?? (input.status === from ? (rem?.reason ?? null) : null),
        decided_by: input.status === 'risk_accepted' || input.status === 'verified' ? this.caller.userId : (rem?.decided_by ?? null),
        updated_at: now(),
      };
      if (rem) await trx('remediations').where({ finding_id: id }).update(row);
      else await trx('remediations').insert({ finding_id: id, organization_id: finding.organization_id, ...row });
    });
    return this.get(id);
  }
}
