import type { Knex } from 'knex';
import { ScopedService, type ServiceContext } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { bool, newId, now } from '../util.js';
import { resultView, type ResultView } from './results.js';
import { syncScope, unitsInScope } from './scope.js';
import { AssessmentsService, type AssessmentRow } from './service.js';

export interface OutsideRow {
  code: string;
  /** An assessed object's id, or 'system' (the unit judged once for the whole system). */
  objectKey: string;
}

/**
 * Adds result rows outside the default mapping (see outside-mapping.ts) inside an open
 * transaction: marked, not assessed, row version 1; then re-syncs the scope (a whole-system row
 * replaces the unit's per-object rows still not assessed) unless `sync` is false — the workbook
 * import writes its values first and syncs after, so that rows it is about to judge stay.
 * Rows that already exist are skipped.
 */
export async function insertOutsideRows(trx: Knex, a: AssessmentRow, rows: readonly OutsideRow[], sync = true): Promise<void> {
  const have = new Set((await trx('assessment_results').where({ assessment_id: a.id }).select('code', 'object_key')).map((r: Record<string, string>) => `${r.code}|${r.object_key}`));
  const fresh = [...new Map(rows.map((r) => [`${r.code}|${r.objectKey}`, r])).values()].filter((r) => !have.has(`${r.code}|${r.objectKey}`));
  for (let i = 0; i < fresh.length; i += 200) {
    await trx('assessment_results').insert(
      fresh.slice(i, i + 200).map((r) => ({ id: newId(), assessment_id: a.id, organization_id: a.organization_id, code: r.code, object_key: r.objectKey, value: 'not_assessed', row_version: 1, inherited: false, outside_mapping: true })),
    );
  }
  if (fresh.length && sync) await syncScope(trx, a);
}

/** The assessor's side: add a row outside the default mapping, or remove one. */
export class OutsideRowsService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  /** 400 when the unit is not in scope or the object is not a selected object of the system; 409 when the row exists. */
  async add(assessmentId: string, code: string, objectId: string | null): Promise<ResultView> {
    return transaction(this.knex, async (trx) => {
      const a = await this.assessments.loadWritable(assessmentId, trx);
      const units = await unitsInScope(trx, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets));
      if (!units.some((u) => u.code === code)) throw new ValidationError({}, [{ path: 'code', code: 'out_of_scope', message: `unit ${code} is not in this assessment's scope` }]);
      const objectKey = objectId ?? 'system';
      if (objectId) {
        const o = await trx('assessed_objects').where({ id: objectId, system_id: a.system_id }).first();
        if (!o || !bool(o.selected)) throw new ValidationError({}, [{ path: 'objectId', code: 'unknown_object', message: 'must be a selected assessed object of the system, or "system"' }]);
      }
      if (await trx('assessment_results').where({ assessment_id: a.id, code, object_key: objectKey }).first()) {
        throw new ConflictError({ reason: 'result_row_exists', code, object: objectKey });
      }
      await insertOutsideRows(trx, a, [{ code, objectKey }]);
      await trx('assessments').where({ id: a.id }).update({ updated_at: now() });
      return resultView(await trx('assessment_results').where({ assessment_id: a.id, code, object_key: objectKey }).first());
    });
  }

  /**
   * Removes a row outside the default mapping (its judgement and evidence links go with it; the
   * evidence itself stays). Rows of the default mapping cannot be removed (409).
   */
  async remove(assessmentId: string, code: string, objectId: string | null): Promise<void> {
    await transaction(this.knex, async (trx) => {
      const a = await this.assessments.loadWritable(assessmentId, trx);
      const row = await trx('assessment_results').where({ assessment_id: a.id, code, object_key: objectId ?? 'system' }).first();
      if (!row) throw new NotFoundError({ resource: 'result', id: `${code}/${objectId ?? 'system'}` });
      if (!bool(row.outside_mapping)) throw new ConflictError({ reason: 'result_row_in_default_mapping', code });
      await trx('evidence_links').where({ organization_id: a.organization_id, target_type: 'assessment_result', target_id: row.id }).delete();
      await trx('assessment_results').where({ id: row.id }).delete();
      await syncScope(trx, a);
      await trx('assessments').where({ id: a.id }).update({ updated_at: now() });
    });
  }
}
