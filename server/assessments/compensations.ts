import type { Knex } from 'knex';
import { ScopedService, type ServiceContext } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { newId, now } from '../util.js';
import type { Risk } from './findings.js';
import { unitsInScope } from './scope.js';
import { AssessmentsService } from './service.js';

/**
 * 整体测评 (chapter 6): compensation between control points (控制点间), layers (层面间) and areas
 * (区域间). A compensation names the measure, the reasoning and its effect per affected unit (risk
 * before → after). Result values are never changed: the effect is shown beside them. Applied to
 * findings, it becomes their compensating measure (mitigation + risk after), the same field a
 * finding's own 修正 uses — one measure per finding, so nothing is counted twice.
 */
export const COMPENSATION_KINDS = ['control_point', 'layer', 'area'] as const;
export type CompensationKind = (typeof COMPENSATION_KINDS)[number];
export type EffectAfter = Risk | 'none';
const RANK: Record<string, number> = { none: -1, low: 0, medium: 1, high: 2 };

export interface CompensationInput {
  kind: CompensationKind;
  measure: string;
  reasoning: string;
  effects: Array<{ unit: string; before: Risk; after: EffectAfter }>;
  findings?: Array<{ findingId: string; riskAfter: Risk }>;
}

type Row = Record<string, any>;

function compensationView(r: Row, findings: Row[]) {
  return {
    id: r.id as string,
    assessmentId: r.assessment_id as string,
    number: r.number as string,
    kind: r.kind as CompensationKind,
    measure: r.measure as string,
    reasoning: r.reasoning as string,
    effects: JSON.parse(r.effects) as CompensationInput['effects'],
    findings: findings.map((f) => ({ id: f.id as string, number: f.number as string, title: f.title as string, riskBefore: f.risk as Risk, riskAfter: f.risk_after_mitigation as Risk })),
    rowVersion: Number(r.row_version),
    createdAt: r.created_at as string,
  };
}
export type CompensationView = ReturnType<typeof compensationView>;

/** An assessment's compensations with their findings. No tenancy check: for a caller that loaded the assessment (snapshot.ts). */
export async function readCompensations(trx: Knex, assessmentId: string): Promise<CompensationView[]> {
  const rows: Row[] = await trx('compensations').where({ assessment_id: assessmentId }).orderBy('seq');
  const findings: Row[] = rows.length ? await trx('findings').whereIn('compensation_id', rows.map((r) => r.id)).orderBy('number') : [];
  return rows.map((r) => compensationView(r, findings.filter((f) => f.compensation_id === r.id)));
}

export class CompensationsService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  async list(assessmentId: string, trx: Knex = this.knex): Promise<CompensationView[]> {
    await this.assessments.load(assessmentId, 'read', trx);
    return readCompensations(trx, assessmentId);
  }

  private async loadRow(id: string, trx: Knex): Promise<Row> {
    const row = await this.scope.query(trx, 'compensations').where('compensations.id', id).first();
    if (!row) throw new NotFoundError({ resource: 'compensation', id });
    return row;
  }

  async get(id: string, trx: Knex = this.knex): Promise<CompensationView> {
    const row = await this.loadRow(id, trx);
    return compensationView(row, await trx('findings').where({ compensation_id: id }).orderBy('number'));
  }

  private async check(trx: Knex, a: Row, input: CompensationInput, id: string | null): Promise<void> {
    const inScope = new Set((await unitsInScope(trx, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets))).map((u) => u.code));
    const problems: Array<{ path: string; code: string; message: string }> = [];
    if (!input.effects.length && !input.findings?.length) problems.push({ path: 'effects', code: 'required', message: 'name the units (effects) or the findings this compensation lowers' });
    input.effects.forEach((e, i) => {
      if (!inScope.has(e.unit)) problems.push({ path: `effects.${i}.unit`, code: 'out_of_scope', message: `unit ${e.unit} is not in this assessment's scope` });
      if (RANK[e.after]! >= RANK[e.before]!) problems.push({ path: `effects.${i}.after`, code: 'not_lower', message: `a compensation lowers the risk: after must be below ${e.before}` });
    });
    for (const [i, f] of (input.findings ?? []).entries()) {
      const row = await trx('findings').where({ id: f.findingId, assessment_id: a.id }).first();
      if (!row) problems.push({ path: `findings.${i}.findingId`, code: 'unknown_finding', message: `finding ${f.findingId} is not a finding of this assessment` });
      else if (RANK[f.riskAfter]! >= RANK[row.risk]!) problems.push({ path: `findings.${i}.riskAfter`, code: 'not_lower', message: `must be below the finding's risk (${row.risk})` });
      else if (row.compensation_id && row.compensation_id !== id) problems.push({ path: `findings.${i}.findingId`, code: 'already_compensated', message: `finding ${row.number} is already lowered by another compensation` });
    }
    if (problems.length) throw new ValidationError({}, problems);
  }

  /** Sets the compensated findings' measure and risk after; releases those no longer named. */
  private async applyToFindings(trx: Knex, id: string, assessmentId: string, input: CompensationInput): Promise<void> {
    const named = new Set((input.findings ?? []).map((f) => f.findingId));
    for (const f of (await trx('findings').where({ compensation_id: id })) as Row[]) {
      if (!named.has(f.id)) await trx('findings').where({ id: f.id }).update({ compensation_id: null, mitigation: null, risk_after_mitigation: null, mitigation_reason: null, updated_at: now(), row_version: Number(f.row_version) + 1 });
    }
    for (const f of input.findings ?? []) {
      const row = await trx('findings').where({ id: f.findingId }).first();
      await trx('findings').where({ id: f.findingId }).update({
        compensation_id: id,
        mitigation: input.measure,
        risk_after_mitigation: f.riskAfter,
        mitigation_reason: input.reasoning.slice(0, 1000),
        updated_at: now(),
        row_version: Number(row.row_version) + 1,
      });
    }
    // Finding numbers never change once given (a changed risk only reorders the report).
  }

  async create(assessmentId: string, input: CompensationInput): Promise<CompensationView> {
    return transaction(this.knex, async (trx) => {
      const a = await this.assessments.loadWritable(assessmentId, trx);
      await this.check(trx, a, input, null);
      const last = await trx('compensations').where({ assessment_id: assessmentId }).max({ s: 'seq' }).first();
      const seq = Number(last?.s ?? 0) + 1;
      const id = newId();
      await trx('compensations').insert({
        id,
        assessment_id: assessmentId,
        organization_id: a.organization_id,
        seq,
        number: `C${String(seq).padStart(2, '0')}`,
        kind: input.kind,
        measure: input.measure,
        reasoning: input.reasoning,
        effects: JSON.stringify(input.effects),
        row_version: 1,
        created_by: this.caller.userId,
        created_at: now(),
        updated_at: now(),
      });
      await this.applyToFindings(trx, id, assessmentId, input);
      return this.get(id, trx);
    });
  }

  async update(id: string, input: CompensationInput & { rowVersion: number }): Promise<CompensationView> {
    return transaction(this.knex, async (trx) => {
      const row = await this.loadRow(id, trx);
      const a = await this.assessments.loadWritable(row.assessment_id, trx);
      if (Number(row.row_version) !== input.rowVersion) throw new ConflictError({ reason: 'stale_row_version' }, [{ path: 'rowVersion', code: 'stale_row_version', message: 'changed by someone else' }]);
      await this.check(trx, a, input, id);
      await trx('compensations').where({ id }).update({ kind: input.kind, measure: input.measure, reasoning: input.reasoning, effects: JSON.stringify(input.effects), row_version: Number(row.row_version) + 1, updated_at: now() });
      await this.applyToFindings(trx, id, row.assessment_id, input);
      return this.get(id, trx);
    });
  }

  /** Removes a compensation; the findings it lowered lose that measure (their risk is as recorded again). */
  async remove(id: string): Promise<void> {
    await transaction(this.knex, async (trx) => {
      const row = await this.loadRow(id, trx);
      await this.assessments.loadWritable(row.assessment_id, trx);
      await this.applyToFindings(trx, id, row.assessment_id, { kind: row.kind, measure: row.measure, reasoning: row.reasoning, effects: [], findings: [] });
      await trx('compensations').where({ id }).delete();
    });
  }
}
