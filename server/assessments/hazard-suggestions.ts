import { shippedCatalogue } from '../catalogue/index.js';
import { shippedTriggers } from '../catalogue/triggers.js';
import { ScopedService, type ServiceContext } from '../context.js';
import { FindingsService } from './findings.js';
import { HazardsService, triggerView } from './hazards.js';
import { AssessmentsService } from './service.js';

/**
 * Triggers worth judging, from the findings' units: a finding on the unit a trigger's requirement
 * is (basis "requirement"), or on another unit of the trigger's layer and control point (basis
 * "control_point", weaker), among the triggers of the requirement sets in scope. Cross-cutting triggers (A-27…A-32) rest on the whole test and are never
 * suggested; the assessor records them by hand. A suggestion is only a hint: nothing is confirmed.
 */
export interface HazardSuggestion {
  trigger: ReturnType<typeof triggerView>;
  basis: 'requirement' | 'control_point';
  findings: Array<{ id: string; number: string; title: string; effectiveRisk: string; units: string[]; basis: 'requirement' | 'control_point'; majorRiskHint: boolean }>;
  recorded: Array<{ id: string; number: string; status: string }>;
}

export class HazardSuggestionsService extends ScopedService {
  constructor(ctx: ServiceContext) {
    super(ctx);
  }

  async suggest(assessmentId: string): Promise<HazardSuggestion[]> {
    const a = await new AssessmentsService({ knex: this.knex, caller: this.caller }).load(assessmentId);
    // Only triggers of the requirement sets in scope: no cloud trigger for a system off the cloud.
    const sets = new Set<string>(JSON.parse(a.requirement_sets));
    const findings = await new FindingsService({ knex: this.knex, caller: this.caller }).list(assessmentId);
    const hazards = await new HazardsService({ knex: this.knex, caller: this.caller }).list(assessmentId);
    const catalogue = shippedCatalogue();
    const out: HazardSuggestion[] = [];
    for (const t of shippedTriggers().triggers) {
      if (t.crossCutting || !sets.has(t.extension ?? '')) continue;
      const matches = findings.flatMap((f) => {
        const onRequirement = f.units.filter((u) => t.units.includes(u));
        const onControlPoint = f.units.filter((u) => {
          const item = catalogue.byCode.get(u);
          return !onRequirement.includes(u) && item?.layer === t.layer && item.controlPoint.zh === t.controlPoint;
        });
        if (!onRequirement.length && !onControlPoint.length) return [];
        return [{
          id: f.id,
          number: f.number,
          title: f.title,
          effectiveRisk: f.effectiveRisk,
          units: onRequirement.length ? onRequirement : onControlPoint,
          basis: onRequirement.length ? ('requirement' as const) : ('control_point' as const),
          /** The finding matches a confirmed high-risk case without mitigation: a strong hint. */
          majorRiskHint: f.majorRisk,
        }];
      });
      if (!matches.length) continue;
      out.push({
        trigger: triggerView(t),
        basis: matches.some((m) => m.basis === 'requirement') ? ('requirement' as const) : ('control_point' as const),
        findings: matches,
        /** Hazards already recorded on this trigger. */
        recorded: hazards.filter((h) => h.trigger.code === t.code).map((h) => ({ id: h.id, number: h.number, status: h.status })),
      });
    }
    // Strongest first: a requirement match, then one with a high-risk hint, then table order.
    const rank = (s: HazardSuggestion) => (s.basis === 'requirement' ? 0 : 2) + (s.findings.some((f) => f.majorRiskHint || f.effectiveRisk === 'high') ? 0 : 1);
    return out.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map(({ s }) => s);
  }
}
