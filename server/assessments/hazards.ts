import type { Knex } from 'knex';
import { shippedTriggers, type MajorRiskTrigger } from '../catalogue/triggers.js';
import { ScopedService, type ServiceContext } from '../context.js';
import { todayInChina } from '../dates.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { newId, now } from '../util.js';
import { effectiveRisk } from './numbering.js';
import { AssessmentsService } from './service.js';

/**
 * 重大风险隐患 (major risk hazards) of an assessment. A hazard names a trigger of appendix G table 1
 * (A-01…A-32), rests on one or several findings of any risk level, is judged by the three
 * principles 相关性 / 严重性 / 高发性 (each with a reason), and moves suspected → confirmed →
 * remediated, each step dated. Numbers Z01… are given once and never change.
 */
export const HAZARD_STATUSES = ['suspected', 'confirmed', 'remediated'] as const;
export type HazardStatus = (typeof HAZARD_STATUSES)[number];
/** Forward steps, and one step back to correct a mistake (the later step's date is cleared). */
const NEXT: Record<HazardStatus, readonly HazardStatus[]> = {
  suspected: ['confirmed'],
  confirmed: ['remediated', 'suspected'],
  remediated: ['confirmed'],
};
const PRINCIPLE_COLUMNS = { relevance: 'relevance_reason', severity: 'severity_reason', prevalence: 'prevalence_reason' } as const;
type PrincipleKey = keyof typeof PRINCIPLE_COLUMNS;

/**
 * Whether a hazard remediated during the assessment still counts for the conclusion. It does not:
 * the conclusion describes the system as re-tested at the end of the assessment, and a hazard can
 * be marked remediated only while the assessment is open. The conclusion page still shows the
 * count before remediation with the remediated ones marked, 10（5个已整改）(1846号 Q22).
 */
export const REMEDIATED_COUNTS_FOR_CONCLUSION = false;

export interface HazardInput {
  triggerCode: string;
  findingIds: string[];
  description?: string | null;
  principles?: Partial<Record<PrincipleKey, string | null>>;
}
export interface HazardPatch extends Partial<HazardInput> {
  rowVersion: number;
}
export interface HazardTransition {
  to: HazardStatus;
  /** YYYY-MM-DD; today in China when absent. */
  date?: string;
  rowVersion: number;
}

type Row = Record<string, any>;
const numberOf = (seq: number) => `Z${String(seq).padStart(2, '0')}`;

export function triggerView(t: MajorRiskTrigger) {
  return { code: t.code, title: t.title, layer: t.layer, layerName: t.layerName, controlPoint: t.controlPoint, requirement: t.requirement, crossCutting: t.crossCutting };
}

function hazardView(r: Row, findings: Row[]) {
  const trigger = shippedTriggers().byCode.get(r.trigger_code);
  return {
    id: r.id as string,
    assessmentId: r.assessment_id as string,
    number: r.number as string,
    trigger: trigger ? triggerView(trigger) : { code: r.trigger_code as string, title: { zh: r.trigger_code, en: r.trigger_code }, layer: null, layerName: '', controlPoint: null, requirement: null, crossCutting: false },
    description: (r.description ?? null) as string | null,
    principles: {
      relevance: (r.relevance_reason ?? null) as string | null,
      severity: (r.severity_reason ?? null) as string | null,
      prevalence: (r.prevalence_reason ?? null) as string | null,
    },
    findings: findings
      .sort((a, b) => String(a.number).localeCompare(String(b.number)))
      .map((f) => ({ id: f.id as string, number: f.number as string, title: f.title as string, risk: f.risk as string, effectiveRisk: effectiveRisk(f) })),
    status: r.status as HazardStatus,
    dates: { suspected: r.suspected_on as string, confirmed: (r.confirmed_on ?? null) as string | null, remediated: (r.remediated_on ?? null) as string | null },
    allowedTransitions: NEXT[r.status as HazardStatus],
    rowVersion: Number(r.row_version),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}
export type HazardView = ReturnType<typeof hazardView>;

/** What the summary and the conclusion read: counts before remediation and the count that decides. */
export function hazardCounts(hazards: readonly HazardView[]) {
  const confirmed = hazards.filter((h) => h.status === 'confirmed').length;
  const remediated = hazards.filter((h) => h.status === 'remediated').length;
  const total = confirmed + remediated; // confirmed ones, before remediation (Q22)
  return {
    total,
    remediated,
    confirmed,
    suspected: hazards.filter((h) => h.status === 'suspected').length,
    /** The number of major risk hazards the conclusion rule is given. */
    counted: confirmed + (REMEDIATED_COUNTS_FOR_CONCLUSION ? remediated : 0),
    display: {
      zh: remediated ? `${total}（${remediated}个已整改）` : String(total),
      en: remediated ? `${total} (${remediated} remediated)` : String(total),
    },
  };
}

/** Refuses to delete a finding a hazard rests on (the hazard would lose its basis silently). */
export async function assertNoHazardOn(trx: Knex, findingId: string): Promise<void> {
  const used = await trx('hazard_findings').join('hazards', 'hazards.id', 'hazard_findings.hazard_id').where('hazard_findings.finding_id', findingId).whereNull('hazards.deleted_at').select('hazards.number');
  if (used.length) throw new ConflictError({ reason: 'finding_is_hazard_basis', hazards: used.map((u: Row) => u.number).join(', ') });
}

/** A new revision copies the hazards (same numbers, statuses and dates) onto the copied findings. */
export async function copyHazards(trx: Knex, fromAssessment: string, toAssessment: string, findingIds: ReadonlyMap<string, string>): Promise<void> {
  const hazards = await trx('hazards').where({ assessment_id: fromAssessment });
  for (const h of hazards) {
    const id = newId();
    await trx('hazards').insert({ ...h, id, assessment_id: toAssessment, row_version: 1 });
    const links = await trx('hazard_findings').where({ hazard_id: h.id });
    for (const l of links) await trx('hazard_findings').insert({ ...l, hazard_id: id, finding_id: findingIds.get(l.finding_id) ?? l.finding_id });
  }
}

async function hazardViews(trx: Knex, rows: Row[]): Promise<HazardView[]> {
  if (!rows.length) return [];
  const links: Row[] = await trx('hazard_findings')
    .join('findings', 'findings.id', 'hazard_findings.finding_id')
    .whereIn('hazard_findings.hazard_id', rows.map((r) => r.id))
    .select('hazard_findings.hazard_id', 'findings.id', 'findings.number', 'findings.title', 'findings.risk', 'findings.risk_after_mitigation');
  return rows.map((r) => hazardView(r, links.filter((l) => l.hazard_id === r.id)));
}

/** An assessment's hazards in number order. No tenancy check: for a caller that loaded the assessment (snapshot.ts). */
export async function readHazards(trx: Knex, assessmentId: string): Promise<HazardView[]> {
  return hazardViews(trx, await trx('hazards').where({ assessment_id: assessmentId }).whereNull('deleted_at').orderBy('seq'));
}

export class HazardsService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  private views(trx: Knex, rows: Row[]): Promise<HazardView[]> {
    return hazardViews(trx, rows);
  }

  async list(assessmentId: string, trx: Knex = this.knex): Promise<HazardView[]> {
    await this.assessments.load(assessmentId, 'read', trx);
    return readHazards(trx, assessmentId);
  }

  private async loadHazard(id: string, trx: Knex = this.knex): Promise<Row> {
    const row = await this.scope.query(trx, 'hazards').where('hazards.id', id).whereNull('deleted_at').first();
    if (!row) throw new NotFoundError({ resource: 'hazard', id });
    return row;
  }

  async get(id: string, trx: Knex = this.knex): Promise<HazardView> {
    return (await this.views(trx, [await this.loadHazard(id, trx)]))[0]!;
  }

  private checkTrigger(code: string): void {
    if (!shippedTriggers().byCode.has(code)) {
      throw new ValidationError({}, [{ path: 'triggerCode', code: 'unknown_trigger', message: `must be a trigger of appendix G table 1, A-01…A-${String(shippedTriggers().triggers.length).padStart(2, '0')}` }]);
    }
  }

  /** The findings must be findings of the same assessment; returns them de-duplicated. */
  private async checkFindings(trx: Knex, assessmentId: string, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) throw new ValidationError({}, [{ path: 'findingIds', code: 'required', message: 'a hazard rests on at least one finding' }]);
    const known = new Set((await trx('findings').where({ assessment_id: assessmentId }).whereIn('id', unique).pluck('id')) as string[]);
    const problems = ids.flatMap((id, i) => (known.has(id) ? [] : [{ path: `findingIds.${i}`, code: 'unknown_finding', message: `finding ${id} is not a finding of this assessment` }]));
    if (problems.length) throw new ValidationError({}, problems);
    return unique;
  }

  private async link(trx: Knex, hazardId: string, organizationId: string, findingIds: string[]): Promise<void> {
    await trx('hazard_findings').where({ hazard_id: hazardId }).delete();
    await trx('hazard_findings').insert(findingIds.map((finding_id) => ({ hazard_id: hazardId, finding_id, organization_id: organizationId })));
  }

  /** A new hazard is always suspected: the assessor confirms it after judging the three principles. */
  async create(assessmentId: string, input: HazardInput): Promise<HazardView> {
    return transaction(this.knex, async (trx) => {
      // Who may write first (404/403), then what was sent (400): a refused caller learns nothing of the data.
      const a = await this.assessments.loadWritable(assessmentId, trx);
      this.checkTrigger(input.triggerCode);
      const findingIds = await this.checkFindings(trx, assessmentId, input.findingIds);
      // Deleted hazards keep their seq, so a number is never given twice.
      const last = await trx('hazards').where({ assessment_id: assessmentId }).max({ s: 'seq' }).first();
      const seq = Number(last?.s ?? 0) + 1;
      const id = newId();
      await trx('hazards').insert({
        id,
        assessment_id: assessmentId,
        organization_id: a.organization_id,
        seq,
        number: numberOf(seq),
        trigger_code: input.triggerCode,
        description: input.description ?? null,
        relevance_reason: input.principles?.relevance ?? null,
        severity_reason: input.principles?.severity ?? null,
        prevalence_reason: input.principles?.prevalence ?? null,
        status: 'suspected',
        suspected_on: todayInChina(),
        row_version: 1,
        created_by: this.caller.userId,
        created_at: now(),
        updated_at: now(),
      });
      await this.link(trx, id, a.organization_id, findingIds);
      return this.get(id, trx);
    });
  }

  private async loadForChange(trx: Knex, id: string, rowVersion: number): Promise<Row> {
    const row = await this.loadHazard(id, trx);
    await this.assessments.loadWritable(row.assessment_id, trx);
    if (Number(row.row_version) !== rowVersion) {
      throw new ConflictError({ reason: 'stale_row_version' }, [{ path: 'rowVersion', code: 'stale_row_version', message: 'changed by someone else', current: await this.get(id, trx) }]);
    }
    return row;
  }

  async update(id: string, patch: HazardPatch): Promise<HazardView> {
    return transaction(this.knex, async (trx) => {
      const row = await this.loadForChange(trx, id, patch.rowVersion);
      if (patch.triggerCode !== undefined) this.checkTrigger(patch.triggerCode);
      const changes: Row = { updated_at: now(), row_version: Number(row.row_version) + 1 };
      if (patch.triggerCode !== undefined) changes.trigger_code = patch.triggerCode;
      if (patch.description !== undefined) changes.description = patch.description;
      for (const [k, col] of Object.entries(PRINCIPLE_COLUMNS)) {
        const v = patch.principles?.[k as PrincipleKey];
        if (v !== undefined) changes[col] = v;
      }
      // A confirmed hazard keeps a reason for each principle.
      if (row.status !== 'suspected') this.requirePrinciples({ ...row, ...changes });
      if (patch.findingIds) await this.link(trx, id, row.organization_id, await this.checkFindings(trx, row.assessment_id, patch.findingIds));
      await trx('hazards').where({ id }).update(changes);
      return this.get(id, trx);
    });
  }

  private requirePrinciples(row: Row): void {
    const missing = Object.entries(PRINCIPLE_COLUMNS).filter(([, col]) => !String(row[col] ?? '').trim());
    if (missing.length) {
      throw new ValidationError(
        {},
        missing.map(([k]) => ({ path: `principles.${k}`, code: 'required', message: 'a confirmed major risk hazard needs a reason for each principle (相关性, 严重性, 高发性)' })),
      );
    }
  }

  /** Moves a hazard one step; confirming needs the three reasons; dates never go backwards. */
  async transition(id: string, input: HazardTransition): Promise<HazardView> {
    return transaction(this.knex, async (trx) => {
      const row = await this.loadForChange(trx, id, input.rowVersion);
      const from = row.status as HazardStatus;
      if (!NEXT[from].includes(input.to)) {
        throw new ConflictError({ reason: 'hazard_transition_not_allowed', from, to: input.to, allowed: NEXT[from].join(', ') });
      }
      const date = input.date ?? todayInChina();
      if (date > todayInChina()) throw new ValidationError({}, [{ path: 'date', code: 'future_date', message: `must not be after today (${todayInChina()})` }]);
      const changes: Row = { status: input.to, updated_at: now(), row_version: Number(row.row_version) + 1 };
      if (input.to === 'confirmed' && from === 'suspected') {
        this.requirePrinciples(row);
        if (date < row.suspected_on) throw new ValidationError({}, [{ path: 'date', code: 'date_order', message: `must not be before the date it was suspected (${row.suspected_on})` }]);
        changes.confirmed_on = date;
      } else if (input.to === 'remediated') {
        if (date < row.confirmed_on) throw new ValidationError({}, [{ path: 'date', code: 'date_order', message: `must not be before the date it was confirmed (${row.confirmed_on})` }]);
        changes.remediated_on = date;
      } else if (input.to === 'suspected') {
        changes.confirmed_on = null;
      } else {
        changes.remediated_on = null; // remediated → confirmed: the remediation did not hold
      }
      await trx('hazards').where({ id }).update(changes);
      return this.get(id, trx);
    });
  }

  /** Removes a suspected hazard (its number stays taken); a confirmed one must be moved back first. */
  async remove(id: string): Promise<void> {
    await transaction(this.knex, async (trx) => {
      const row = await this.loadHazard(id, trx);
      await this.assessments.loadWritable(row.assessment_id, trx);
      if (row.status !== 'suspected') throw new ConflictError({ reason: 'hazard_not_suspected', number: row.number, status: row.status });
      await trx('hazard_findings').where({ hazard_id: id }).delete();
      await trx('hazards').where({ id }).update({ deleted_at: now(), updated_at: now(), row_version: Number(row.row_version) + 1 });
    });
  }
}
