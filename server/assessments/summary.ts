import { platformUsable, platformView } from '../cloud/platform-rules.js';
import { ScopedService, type ServiceContext } from '../context.js';
import { ValidationError } from '../errors.js';
import { aggregate, type UnitInfo } from './aggregate.js';
import { conclude } from './conclusion.js';
import { hazardCounts } from './hazards.js';
import { loadAssessmentSnapshot, type AssessmentSnapshot } from './snapshot.js';
import { conclusionSchemes } from './schemes.js';
import { AssessmentsService } from './service.js';
import { todayInChina } from '../dates.js';
import { SETS } from '../catalogue/schema.js';
import { testBasis } from '../systems/filing-rules.js';
import { extraUnits } from './extra-items.js';

const OBJECT_DOMAIN: Record<string, string> = {
  machine_room: 'physical',
  business_application: 'application',
  data_resource: 'application',
  mobile_app: 'application',
  security_personnel: 'management',
  management_document: 'management',
};

/** The inheritance status, re-checked against the platform on `today` (a conclusion may have expired since). */
function inheritanceNow(a: Record<string, any>, platform: Record<string, any> | null | undefined, today: string) {
  const status = a.inheritance ? JSON.parse(a.inheritance) : null;
  if (!status?.platformId || status.state !== 'applied') return status;
  if (!platform) return { ...status, state: 'stale', reason: 'the platform record is gone' };
  const why = platformUsable(platformView(platform), Number(a.level), a.start_date ?? today);
  return why ? { ...status, state: 'stale', reason: why } : status;
}

/** The scheme a summary is computed under: the one asked for, else the assessment's (400 naming `query.scheme` for an unknown one). */
function schemeOf(a: Record<string, any>, schemeId?: string) {
  const scheme = conclusionSchemes().get(schemeId ?? a.scheme);
  if (!scheme) throw new ValidationError({}, [{ path: 'query.scheme', code: 'invalid_value', message: `must be one of: ${[...conclusionSchemes().keys()].join(', ')}` }]);
  return scheme;
}

export type AssessmentSummary = ReturnType<typeof summaryOf>;

/**
 * The assessment's summary from its snapshot: rates per layer, control point and domain, counts,
 * findings and the conclusion with its rule. Pure: `today` decides only whether an applied
 * inheritance has expired (an assessment without a start date is judged on it).
 */
export function summaryOf(s: Pick<AssessmentSnapshot, 'row' | 'units' | 'results' | 'objects' | 'extraItems' | 'findings' | 'hazards' | 'inheritancePlatform'>, schemeId?: string, today: string = todayInChina()) {
  const a = s.row;
  const scheme = schemeOf(a, schemeId);
  const unitInfos: UnitInfo[] = s.units.map((u) => ({ code: u.code, set: u.set, setOrder: SETS.indexOf(u.set), layer: u.layer, layerOrder: u.layerOrder, controlPoint: u.controlPoint, domains: u.domains, weight: u.weight }));
  const results = s.results;
  const objects = new Map(s.objects.map((o) => [o.id as string, o.category as string]));
  const domainOf = (key: string) => OBJECT_DOMAIN[objects.get(key) ?? ''] ?? (objects.has(key) ? 'device' : null);
  // The assessor's additional items (X-…, e.g. GA/T 2182-2024 at level 5) count like a set `additional`.
  const extraRows = s.extraItems;
  const extra = extraUnits([...extraRows]);
  unitInfos.push(...extra.units);
  const aggregation = aggregate(unitInfos, [...results.map((r) => ({ code: r.code, objectKey: r.object_key, value: r.value as never })), ...extra.results], domainOf, scheme.parameters.partialCredit);
  const findings = s.findings;
  const byRisk = { high: 0, medium: 0, low: 0 };
  for (const f of findings) byRisk[f.effectiveRisk]++;
  // 重大风险隐患 are their own records (hazards.ts); the conclusion is given the confirmed ones.
  const hazardList = s.hazards;
  const hazards = hazardCounts(hazardList);
  const computed = conclude(scheme, { aggregation, units: unitInfos, majorRisks: hazards.counted, highRiskFindings: byRisk.high });
  const override = a.conclusion_override ? JSON.parse(a.conclusion_override) : null;
  return {
    assessmentId: a.id as string,
    level: Number(a.level),
    testBasis: testBasis(Number(a.level)),
    additionalItems: { total: extraRows.length, codes: extraRows.map((r) => r.code as string) },
    requirementSets: JSON.parse(a.requirement_sets) as string[],
    progress: aggregation.overall.progress,
    units: { total: aggregation.overall.units, complete: aggregation.overall.complete, counts: aggregation.overall.counts, applicable: aggregation.overall.applicable },
    resultCounts: aggregation.resultCounts,
    inheritedResults: results.filter((r) => r.inherited === true || r.inherited === 1).length,
    overall: { rate: aggregation.overall.rate },
    byLayer: aggregation.byLayer,
    byControlPoint: aggregation.byControlPoint,
    byDomain: aggregation.byDomain,
    findings: { total: findings.length, byRisk, previous: findings.filter((f) => f.previous).length },
    hazards: { ...hazards, list: hazardList.map((h) => ({ id: h.id, number: h.number, trigger: h.trigger.code, title: h.trigger.title, status: h.status, findings: h.findings.map((f) => f.number) })) },
    conclusion: computed,
    override,
    finalConclusion: override ? override.conclusion : computed.conclusion,
    inheritance: inheritanceNow(a, s.inheritancePlatform, today),
  };
}

/** The assessment's summary: rates per layer, control point and domain, counts, findings and the conclusion with its rule. */
export class SummaryService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  /** Units whose results so far are 不符合 or 部分符合: the gaps to close. */
  async gaps(assessmentId: string): Promise<string[]> {
    const a = await this.assessments.load(assessmentId);
    const rows: Array<{ code: string; value: string }> = await this.knex('assessment_results').where({ assessment_id: a.id }).select('code', 'value');
    const byUnit = new Map<string, string[]>();
    for (const r of rows) byUnit.set(r.code, [...(byUnit.get(r.code) ?? []), r.value]);
    const { unitValue } = await import('./aggregate.js');
    return [...byUnit].filter(([, v]) => ['nonconform', 'partial'].includes(unitValue(v as never) ?? '')).map(([c]) => c).sort();
  }

  /** Loads the assessment once (the `summary` slice of its results) and computes the summary from it. */
  async summary(assessmentId: string, schemeId?: string): Promise<AssessmentSummary> {
    return summaryOf(await loadAssessmentSnapshot({ knex: this.knex, caller: this.caller }, assessmentId, { results: 'summary' }), schemeId);
  }
}

