import type { Knex } from 'knex';
import { ResultsService } from '../../server/assessments/results.js';
import { HazardsService, type HazardView } from '../../server/assessments/hazards.js';
import { unitsInScope } from '../../server/assessments/scope.js';
import { AssessmentsService } from '../../server/assessments/service.js';
import type { LayerCode, RequirementSet } from '../../server/catalogue/schema.js';
import type { ServiceContext, Permission } from '../../server/context.js';
import { bool } from '../../server/util.js';
import type { WorkbookExtraItem } from './extra-sheet.js';
import type { ResultValue } from './layout.js';

/** What the workbook export needs (and what the import compares against): plain data, no services. */
export interface WorkbookData {
  assessment: { id: string; reportNumber: string | null; level: number; status: string; systemName: string | null };
  /** Units in scope, in standard order. */
  units: WorkbookUnit[];
  objects: WorkbookObject[];
  results: WorkbookResult[];
  /** 重大风险隐患, exported on a sheet of their own (not imported). */
  hazards?: HazardView[];
  /** The assessor's additional items (X-…), on a sheet of their own; imported back by code. */
  extraItems?: WorkbookExtraItem[];
}

export interface WorkbookUnit {
  code: string;
  set: RequirementSet;
  layer: LayerCode;
  controlPoint: { zh: string; en: string; order: number };
  text: { zh: string; en: string };
}

export interface WorkbookObject {
  id: string;
  name: string;
  category: string;
  ip: string | null;
  version: string | null;
  /** Selected for assessment (only selected objects get result rows). */
  selected: boolean;
}

export interface WorkbookResult {
  code: string;
  /** null: tested once for the whole system. */
  objectId: string | null;
  value: ResultValue;
  record: string | null;
  rowVersion: number;
}

/**
 * Reads an assessment for the workbook: the assessment (checked with `permission`: export needs
 * 'download'; the import checks 'edit' itself), its results through ResultsService.list, the
 * system's assessed objects and the units in scope. Another organisation's assessment is 404.
 */
export async function assembleWorkbookData(ctx: ServiceContext, assessmentId: string, permission: Permission = 'download', knex: Knex = ctx.knex): Promise<WorkbookData> {
  const scoped = { knex, caller: ctx.caller };
  const a = await new AssessmentsService(scoped).load(assessmentId, permission);
  const results = await new ResultsService(scoped).list(assessmentId);
  const units = await unitsInScope(knex, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets));
  const objects = await knex('assessed_objects').where({ system_id: a.system_id }).select('id', 'name', 'category', 'ip', 'version', 'selected');
  const system = await knex('systems').where({ id: a.system_id, organization_id: a.organization_id }).first();
  return {
    assessment: { id: a.id, reportNumber: a.report_number ?? null, level: Number(a.level), status: a.status, systemName: system?.name ?? null },
    units: units.map((u) => ({ code: u.code, set: u.set, layer: u.layer, controlPoint: { zh: u.controlPoint.zh, en: u.controlPoint.en, order: u.controlPoint.order }, text: { zh: u.text.zh, en: u.text.en } })),
    objects: objects.map((o: Record<string, any>) => ({ id: o.id, name: o.name, category: o.category, ip: o.ip ?? null, version: o.version ?? null, selected: bool(o.selected) })),
    results: results.map((r) => ({ code: r.code, objectId: r.objectId, value: r.value as ResultValue, record: r.record, rowVersion: r.rowVersion })),
    hazards: await new HazardsService(scoped).list(assessmentId, knex),
    extraItems: (await knex('assessment_extra_items').where({ assessment_id: a.id }).orderBy('code')).map((r: Record<string, any>) => ({
      code: r.code,
      title: r.title,
      requirement: r.requirement ?? null,
      source: r.source ?? null,
      value: (r.value ?? null) as ResultValue | null,
      record: r.record ?? null,
    })),
  };
}
