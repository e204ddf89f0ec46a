import type { Knex } from 'knex';
import { z } from 'zod';
import { ScopedService, type ServiceContext } from '../context.js';
import { lockRow } from '../database/locking.js';
import { keysetPage, type Page, type PageRequest } from '../database/keyset.js';
import { transaction } from '../database/transaction.js';
import { updateVersioned } from '../database/batch-update.js';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { registerLinkTarget } from '../evidence/link-targets.js';
import { bool, now } from '../util.js';
import { appendAudit, type AuditInput } from '../audit/chain.js';
import { AssessmentsService, type AssessmentRow } from './service.js';
import { unitsInScope } from './scope.js';

export const RESULT_INPUT_VALUES = ['conform', 'partial', 'nonconform', 'na'] as const;
export const METHODS = ['interview', 'inspection', 'testing'] as const;

/** Copying one object's result to others of its category: the body the API and the workspace form share. */
export const copyResultSchema = z.strictObject({
  from: z.uuid(),
  to: z.array(z.strictObject({ objectId: z.uuid(), rowVersion: z.number().int().min(1) })).min(1).max(500),
});

export interface ResultInput {
  code: string;
  objectId?: string | null; // omitted or "system" for units tested once per system
  value: (typeof RESULT_INPUT_VALUES)[number] | 'not_assessed';
  record?: string | null;
  methods?: Array<(typeof METHODS)[number]>;
  rowVersion: number;
}

export const resultView = (r: Record<string, any>, objectName?: string) => ({
  id: r.id as string,
  code: r.code as string,
  objectId: r.object_key === 'system' ? null : (r.object_key as string),
  objectName: r.object_key === 'system' ? null : (objectName ?? null),
  value: r.value as string,
  record: r.record ?? null,
  methods: r.methods ? (JSON.parse(r.methods) as string[]) : [],
  inherited: bool(r.inherited),
  assessedBy: r.assessed_by ?? null,
  assessedAt: r.assessed_at ?? null,
  rowVersion: Number(r.row_version),
  /** Added beyond the catalogue's default object mapping (see outside-mapping.ts). */
  outsideDefaultMapping: bool(r.outside_mapping),
});
export type ResultView = ReturnType<typeof resultView>;
export type ResultListView = ResultView & { layer: string; controlPoint: string; text: unknown; weight: string };
export interface ResultFilter {
  layer?: string;
  controlPoint?: string;
  code?: string;
  objectId?: string;
  value?: string;
  unassessed?: boolean;
}

registerLinkTarget('assessment_result', async (knex, organizationId, targetId) =>
  /^[0-9a-f-]{36}$/.test(targetId) && !!(await knex('assessment_results').where({ id: targetId, organization_id: organizationId }).first()),
);

/**
 * Results per test unit and assessed object. Every write checks the row version (optimistic
 * concurrency: a stale write is 409 with the current row); a bulk write is one transaction,
 * all or nothing.
 */
export class ResultsService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  async list(assessmentId: string, filter: { layer?: string; controlPoint?: string; objectId?: string; value?: string; unassessed?: boolean } = {}) {
    const a = await this.assessments.load(assessmentId);
    const units = await unitsInScope(this.knex, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets));
    const unitByCode = new Map(units.map((u) => [u.code, u]));
    let q = this.knex('assessment_results').where({ assessment_id: assessmentId });
    if (filter.objectId) q = q.where('object_key', filter.objectId);
    if (filter.value) q = q.where('value', filter.value);
    if (filter.unassessed) q = q.where('value', 'not_assessed');
    const rows: Array<Record<string, any>> = await q;
    const objects = new Map((await this.knex('assessed_objects').where({ system_id: a.system_id })).map((o: Record<string, string>) => [o.id, o.name]));
    const order = new Map(units.map((u, i) => [u.code, i]));
    return rows
      .filter((r) => {
        const u = unitByCode.get(r.code);
        return !!u && (!filter.layer || u.layer === filter.layer) && (!filter.controlPoint || u.controlPoint.zh === filter.controlPoint || u.controlPoint.en === filter.controlPoint);
      })
      .sort((x, y) => order.get(x.code)! - order.get(y.code)! || String(objects.get(x.object_key) ?? '').localeCompare(String(objects.get(y.object_key) ?? '')))
      .map((r) => {
        const u = unitByCode.get(r.code)!;
        return { ...resultView(r, objects.get(r.object_key)), layer: u.layer, controlPoint: u.controlPoint.zh, text: u.text, weight: u.weight };
      });
  }

  /**
   * A page of an assessment's results in standard order (unit, then object name), filtered and
   * sorted in SQL: the unit's and the object's positions are computed in the query from the
   * scope's order, so the cursor is (unit position, object position, id).
   */
  async page(assessmentId: string, filter: ResultFilter, page: PageRequest): Promise<Page<ResultListView>> {
    const a = await this.assessments.load(assessmentId);
    const units = await unitsInScope(this.knex, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets));
    const unitByCode = new Map(units.map((u) => [u.code, u]));
    const objects: Array<{ id: string; name: string }> = await this.knex('assessed_objects').where({ system_id: a.system_id }).select('id', 'name');
    objects.sort((x, y) => x.name.localeCompare(y.name));
    const names = new Map(objects.map((o) => [o.id, o.name]));
    const wanted = units.filter(
      (u) =>
        (!filter.layer || u.layer === filter.layer) &&
        (!filter.code || u.code === filter.code) &&
        (!filter.controlPoint || u.controlPoint.zh === filter.controlPoint || u.controlPoint.en === filter.controlPoint),
    );
    const unitPos = units.length ? `case code ${units.map((_, i) => `when ? then ${i}`).join(' ')} end` : '0';
    // The whole system sorts before the objects (its name is empty), as in the workspace.
    const objectPos = `case object_key when 'system' then -1 ${objects.map((_, i) => `when ? then ${i}`).join(' ')} else ${objects.length} end`;
    const inner = this.knex('assessment_results')
      .where({ assessment_id: assessmentId })
      .whereIn('code', wanted.map((u) => u.code))
      .select('*', this.knex.raw(`${unitPos} as unit_pos`, units.map((u) => u.code)), this.knex.raw(`${objectPos} as object_pos`, objects.map((o) => o.id)));
    if (filter.objectId) inner.where('object_key', filter.objectId);
    if (filter.value) inner.where('value', filter.value);
    if (filter.unassessed) inner.where('value', 'not_assessed');
    const result = await keysetPage<Record<string, any>>(
      this.knex.from(inner.as('r')),
      [{ column: 'unit_pos' }, { column: 'object_pos' }, { column: 'id' }],
      page,
      (r) => [Number(r.unit_pos), Number(r.object_pos), r.id],
    );
    return {
      ...result,
      rows: result.rows.map((r) => {
        const u = unitByCode.get(r.code)!;
        return { ...resultView(r, names.get(r.object_key)), layer: u.layer, controlPoint: u.controlPoint.zh, text: u.text, weight: u.weight };
      }),
    };
  }

  /** Checks every input against the assessment's rows; returns the rows or the problems (nothing written). */
  private async resolve(trx: Knex, a: AssessmentRow, inputs: ResultInput[]) {
    const rows: Array<Record<string, any>> = await trx('assessment_results').where({ assessment_id: a.id });
    const byKey = new Map(rows.map((r) => [`${r.code}|${r.object_key}`, r]));
    const codes = new Set(rows.map((r) => r.code));
    const problems: ErrorDetail[] = [];
    const conflicts: Array<Record<string, unknown>> = [];
    const matched: Array<{ input: ResultInput; row: Record<string, any> }> = [];
    inputs.forEach((input, i) => {
      const at = inputs.length > 1 ? `results.${i}.` : '';
      const objectKey = input.objectId ?? 'system';
      if (!codes.has(input.code)) {
        problems.push({ path: `${at}code`, code: 'out_of_scope', message: `unit ${input.code} is not in this assessment's scope`, unit: input.code });
        return;
      }
      const row = byKey.get(`${input.code}|${objectKey}`);
      if (!row) {
        const forUnit = rows.filter((r) => r.code === input.code).map((r) => r.object_key);
        problems.push({
          path: `${at}objectId`,
          code: 'object_not_applicable',
          message: forUnit.includes('system') ? `unit ${input.code} is tested once per system: omit objectId` : `object ${objectKey} is not assessed on unit ${input.code}`,
          unit: input.code,
          objectId: objectKey,
        });
        return;
      }
      if (Number(row.row_version) !== input.rowVersion) {
        conflicts.push({ path: `${at}rowVersion`, code: 'stale_row_version', message: `changed by someone else since row version ${input.rowVersion}`, unit: input.code, current: resultView(row) });
        return;
      }
      matched.push({ input, row });
    });
    return { matched, problems, conflicts };
  }

  /**
   * Writes every matched row in a few statements whatever their number (updateVersioned), each
   * guarded by its row version; returns the fresh rows (in input order) and one audit entry each.
   */
  private async apply(trx: Knex, matched: Array<{ input: ResultInput; row: Record<string, any> }>): Promise<{ rows: Array<Record<string, any>>; history: AuditInput[] }> {
    const updated = await updateVersioned(
      trx,
      'assessment_results',
      ['value', 'record', 'methods'],
      matched.map(({ input, row }) => ({
        id: row.id,
        rowVersion: Number(row.row_version),
        values: {
          value: input.value,
          record: input.record !== undefined ? input.record : (row.record ?? null),
          methods: input.methods !== undefined ? JSON.stringify(input.methods) : (row.methods ?? null),
        },
      })),
      { assessed_by: this.caller.userId, assessed_at: now() },
      { inherited: 'false' }, // an assessor's write overrides an inherited result
    );
    const byId = new Map(updated.map((r) => [String(r.id), r]));
    // The same row twice in one bulk: the second write saw the first one's row version (as when
    // rows were written one by one), so it is stale.
    const seen = new Set<string>();
    const twice = matched.find(({ row }) => seen.size === seen.add(String(row.id)).size);
    if (twice) {
      const current = byId.get(String(twice.row.id));
      throw new ConflictError({ reason: 'stale_row_version' }, [{ path: 'rowVersion', code: 'stale_row_version', message: 'changed by someone else', unit: twice.row.code, current: current ? resultView(current) : null }]);
    }
    const lost = matched.find(({ row }) => !byId.has(String(row.id)));
    if (lost) {
      const current = await trx('assessment_results').where({ id: lost.row.id }).first();
      throw new ConflictError({ reason: 'stale_row_version' }, [{ path: 'rowVersion', code: 'stale_row_version', message: 'changed by someone else', unit: lost.row.code, current: current ? resultView(current) : null }]);
    }
    const history = matched.map(({ input, row }) => {
      // The result's history (who changed 符合 to 不符合, when): one audit entry per row, same transaction.
      const changes: Record<string, unknown> = { code: row.code, objectKey: row.object_key, rowVersion: [Number(row.row_version), Number(row.row_version) + 1] };
      if (row.value !== input.value) changes.value = [row.value, input.value];
      if (input.record !== undefined && (row.record ?? null) !== input.record) changes.record = [row.record ?? null, input.record];
      if (input.methods !== undefined && (row.methods ?? null) !== JSON.stringify(input.methods)) changes.methods = [row.methods ? JSON.parse(row.methods) : null, input.methods];
      if (bool(row.inherited)) changes.inherited = [true, false];
      return { organizationId: row.organization_id, action: 'result.change', targetType: 'assessment_result', targetId: row.id, changes } satisfies AuditInput;
    });
    return { rows: matched.map(({ row }) => byId.get(String(row.id))!), history };
  }

  private async write(assessmentId: string, inputs: ResultInput[]): Promise<ResultView[]> {
    return transaction(this.knex, async (trx) => {
      const a = await this.assessments.loadWritable(assessmentId, trx);
      // Writers of one assessment queue on its row (PostgreSQL), so a stale write is always seen
      // as stale_row_version with the current row, as on SQLite — never a bare failed update.
      await lockRow(trx, 'assessments', { id: a.id });
      const { matched, problems, conflicts } = await this.resolve(trx, a, inputs);
      if (problems.length) throw new ValidationError({}, problems);
      if (conflicts.length) throw new ConflictError({ reason: 'stale_row_version' }, conflicts as ErrorDetail[]);
      const { rows, history } = await this.apply(trx, matched);
      // The first result recorded starts a draft assessment.
      if (a.status === 'draft') await trx('assessments').where({ id: a.id }).update({ status: 'in_progress', updated_at: now() });
      else await trx('assessments').where({ id: a.id }).update({ updated_at: now() });
      // Last in the transaction: the chain's head stays locked (PostgreSQL) for the shortest time.
      await appendAudit(trx, history);
      return rows.map((r) => resultView(r));
    });
  }

  async put(assessmentId: string, input: ResultInput): Promise<ResultView> {
    const [view] = await this.write(assessmentId, [input]);
    return view!;
  }

  async bulk(assessmentId: string, inputs: ResultInput[]): Promise<ResultView[]> {
    return this.write(assessmentId, inputs);
  }

  /**
   * Copies one object's result (value, record, methods) for a unit to other objects of the same
   * category: similar servers or devices are often configured alike. Each target carries the row
   * version the user saw; all are written in one transaction and audited like any result write.
   */
  async copy(assessmentId: string, input: { code: string; from: string; to: Array<{ objectId: string; rowVersion: number }> }): Promise<ResultView[]> {
    const a = await this.assessments.loadWritable(assessmentId); // 404 / 403 / 409 before the body is judged
    const source = await this.knex('assessment_results').where({ assessment_id: a.id, code: input.code, object_key: input.from }).first();
    if (!source) throw new ValidationError({}, [{ path: 'from', code: 'object_not_applicable', message: `object ${input.from} is not assessed on unit ${input.code}`, unit: input.code, objectId: input.from }]);
    if (source.value === 'not_assessed') throw new ValidationError({}, [{ path: 'from', code: 'source_not_assessed', message: 'the result to copy is not assessed yet', unit: input.code }]);
    const ids = [input.from, ...input.to.map((t) => t.objectId)];
    const objects: Array<{ id: string; category: string }> = await this.knex('assessed_objects').where({ system_id: a.system_id }).whereIn('id', ids).select('id', 'category');
    const category = new Map(objects.map((o) => [o.id, o.category]));
    const problems: ErrorDetail[] = input.to
      .map((t, i) => ({ t, i }))
      .filter(({ t }) => t.objectId === input.from || !category.has(t.objectId) || category.get(t.objectId) !== category.get(input.from))
      .map(({ t, i }) => ({ path: `to.${i}`, code: 'not_same_category', message: `object ${t.objectId} is not another object of the source's category`, objectId: t.objectId }));
    if (!category.has(input.from)) problems.unshift({ path: 'from', code: 'object_not_applicable', message: 'copy from an assessed object, not the whole system', objectId: input.from });
    if (problems.length) throw new ValidationError({}, problems);
    return this.write(
      assessmentId,
      input.to.map((t) => ({ code: input.code, objectId: t.objectId, value: source.value, record: source.record ?? null, methods: source.methods ? JSON.parse(source.methods) : undefined, rowVersion: t.rowVersion })),
    );
  }

  async getOne(assessmentId: string, code: string, objectId?: string | null): Promise<ResultView> {
    await this.assessments.load(assessmentId);
    const row = await this.knex('assessment_results').where({ assessment_id: assessmentId, code, object_key: objectId ?? 'system' }).first();
    if (!row) throw new NotFoundError({ resource: 'result', id: `${code}/${objectId ?? 'system'}` });
    return resultView(row);
  }
}
