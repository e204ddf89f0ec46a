import type { Knex } from 'knex';
import type { CatalogueItem } from '../catalogue/index.js';
import type { Permission, ServiceContext } from '../context.js';
import { readCompensations, type CompensationView } from './compensations.js';
import { readFindings, type FindingView } from './findings.js';
import { readHazards, type HazardView } from './hazards.js';
import { resultView } from './results.js';
import { unitsInScope } from './scope.js';
import { AssessmentsService, assessmentView, type AssessmentRow } from './service.js';
import { readPentests, type PentestView } from '../verification/pentests.js';
import { readScans, readVulnerabilities, type ScanView, type VulnerabilityView } from '../verification/scans.js';

type Row = Record<string, any>;

/**
 * Which result columns a snapshot holds. `summary`: what the rates need; `workspace`: also the row's
 * id, version and mapping (the tree, the grid, the page's forms; the records of the rows a page
 * shows are read apart, see `readResultRecords`); `all`: every column (reports, pack, OSCAL).
 */
export type ResultSlice = 'summary' | 'workspace' | 'all';

const RESULT_COLUMNS: Record<ResultSlice, string[] | null> = {
  summary: ['code', 'object_key', 'value', 'inherited'],
  workspace: ['id', 'code', 'object_key', 'value', 'inherited', 'row_version', 'outside_mapping'],
  all: null,
};

export interface SnapshotOptions {
  /** Checked on the assessment's organisation before anything else is read (404 / 403). */
  permission?: Permission;
  results?: ResultSlice;
  /** The system's row. */
  system?: boolean;
  /** What the report's cover and chapter 1 name: the organisation, the newest grading, the filing, the system's platform. */
  report?: boolean;
  /** The pack's header: the organisation. */
  organization?: boolean;
  /** Chapter 4, 6 and appendices E, F: scans, vulnerabilities, penetration tests, compensations. */
  verification?: boolean;
}

export interface VerificationData {
  readonly scans: readonly ScanView[];
  readonly vulnerabilities: readonly VulnerabilityView[];
  readonly pentests: readonly PentestView[];
  readonly compensations: readonly CompensationView[];
}

/**
 * An assessment as one request reads it: its row and everything the summary, the workspace, the
 * reports and the pack compute from, each read once. Plain data; the computations are pure
 * functions of it (summaryOf, resultViewsOf, the report's assembly…).
 */
export interface AssessmentSnapshot {
  readonly row: Readonly<AssessmentRow>;
  readonly assessment: Readonly<ReturnType<typeof assessmentView>>;
  /** Catalogue units in scope, in standard order. */
  readonly units: readonly CatalogueItem[];
  /** The system's assessed objects (every column), by name. */
  readonly objects: readonly Row[];
  /** The result rows, in the database's order, with the columns of the slice asked for. */
  readonly results: readonly Row[];
  readonly resultSlice: ResultSlice;
  /** Additional items (X-…), by code. */
  readonly extraItems: readonly Row[];
  readonly findings: readonly FindingView[];
  readonly hazards: readonly HazardView[];
  /** The platform an applied inheritance names (null: none or gone; undefined: nothing applied). */
  readonly inheritancePlatform: Row | null | undefined;
  readonly system?: Row;
  readonly organization?: Row;
  readonly grading?: Row | null;
  readonly filing?: Row | null;
  readonly systemPlatform?: Row | null;
  readonly verification?: VerificationData;
}

/**
 * Loads an assessment once: the row (tenancy and permission checked first), then each related
 * table by one statement (a few more for findings' remediations and sources, and chunks of ids).
 * The count does not depend on the number of results, objects or findings.
 */
export async function loadAssessmentSnapshot(ctx: ServiceContext, assessmentId: string, options: SnapshotOptions = {}): Promise<AssessmentSnapshot> {
  const knex: Knex = ctx.knex;
  const row = await new AssessmentsService(ctx).load(assessmentId, options.permission ?? 'read');
  const slice = options.results ?? 'summary';
  const units = await unitsInScope(knex, row.catalogue_version_id, Number(row.level), JSON.parse(row.requirement_sets));
  const columns = RESULT_COLUMNS[slice];
  const resultQuery = knex('assessment_results').where({ assessment_id: row.id });
  const results: Row[] = await (columns ? resultQuery.select(...columns) : resultQuery);
  const objects: Row[] = await knex('assessed_objects').where({ system_id: row.system_id }).orderBy('name');
  const extraItems: Row[] = await knex('assessment_extra_items').where({ assessment_id: row.id }).orderBy('code');
  const findings = await readFindings(knex, row.id);
  const hazards = await readHazards(knex, row.id);
  const status = row.inheritance ? JSON.parse(row.inheritance) : null;
  const inheritancePlatform = status?.platformId && status.state === 'applied' ? ((await knex('platforms').where({ id: status.platformId }).first()) ?? null) : undefined;
  const system = options.system || options.report ? await knex('systems').where({ id: row.system_id }).first() : undefined;
  const organization = options.organization || options.report ? await knex('organizations').where({ id: row.organization_id }).first() : undefined;
  let report: Pick<AssessmentSnapshot, 'grading' | 'filing' | 'systemPlatform'> = {};
  if (options.report) {
    report = {
      grading: (await knex('gradings').where({ system_id: row.system_id }).orderBy('version', 'desc').first()) ?? null,
      filing: (await knex('filings').where({ system_id: row.system_id }).first()) ?? null,
      systemPlatform: system?.platform_id
        ? status?.platformId === system.platform_id && inheritancePlatform
          ? inheritancePlatform
          : ((await knex('platforms').where({ id: system.platform_id }).first()) ?? null)
        : null,
    };
  }
  const verification = options.verification
    ? { scans: await readScans(knex, row.id), vulnerabilities: await readVulnerabilities(knex, row.id), pentests: await readPentests(knex, row.id), compensations: await readCompensations(knex, row.id) }
    : undefined;
  return deepFreezeShallow({
    row,
    assessment: assessmentView(row),
    units,
    objects,
    results,
    resultSlice: slice,
    extraItems,
    findings,
    hazards,
    inheritancePlatform,
    system,
    organization,
    ...report,
    verification,
  });
}

/** Freezes the snapshot and its lists (not each row: the views spread them into new objects). */
function deepFreezeShallow<T extends object>(s: T): T {
  for (const v of Object.values(s)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(s);
}

/**
 * The record and methods of some result rows (the rows one workspace page shows): the snapshot's
 * `workspace` slice leaves them out, so a page of 30 rows does not read the records of 7,600.
 */
export async function readResultRecords(knex: Knex, assessmentId: string, ids: readonly string[]): Promise<Map<string, { record: string | null; methods: string | null }>> {
  const out = new Map<string, { record: string | null; methods: string | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows: Row[] = await knex('assessment_results').where({ assessment_id: assessmentId }).whereIn('id', ids.slice(i, i + 500)).select('id', 'record', 'methods');
    for (const r of rows) out.set(r.id, { record: r.record ?? null, methods: r.methods ?? null });
  }
  return out;
}

/**
 * The result list of ResultsService.list (no filter), from a snapshot with every column: rows of
 * units in scope, in standard order (unit, then object name), with the unit's layer, control point and text.
 */
export function resultViewsOf(s: Pick<AssessmentSnapshot, 'units' | 'objects' | 'results' | 'resultSlice'>) {
  if (s.resultSlice !== 'all') throw new Error('resultViewsOf needs a snapshot with every result column');
  const unitByCode = new Map(s.units.map((u) => [u.code, u]));
  const names = new Map(s.objects.map((o) => [o.id as string, o.name as string]));
  const order = new Map(s.units.map((u, i) => [u.code, i]));
  return s.results
    .filter((r) => unitByCode.has(r.code))
    .sort((x, y) => order.get(x.code)! - order.get(y.code)! || String(names.get(x.object_key) ?? '').localeCompare(String(names.get(y.object_key) ?? '')))
    .map((r) => {
      const u = unitByCode.get(r.code)!;
      return { ...resultView(r, names.get(r.object_key)), layer: u.layer, controlPoint: u.controlPoint.zh, text: u.text, weight: u.weight };
    });
}
