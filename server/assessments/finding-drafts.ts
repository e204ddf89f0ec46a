import type { Knex } from 'knex';
import { ScopedService, type ServiceContext } from '../context.js';
import { transaction } from '../database/transaction.js';
import type { ZhEn } from '../catalogue/catalogue.js';
import { FindingsService, type FindingInput, type FindingView, type Risk } from './findings.js';
import { unitsInScope } from './scope.js';
import { AssessmentsService, type AssessmentRow } from './service.js';

/** A finding proposed from non-conforming or partly conforming results, to be edited before it is raised. */
export interface FindingDraft {
  code: string;
  layer: string;
  controlPoint: ZhEn;
  unitText: ZhEn;
  worst: 'nonconform' | 'partial';
  title: ZhEn;
  description: string | null;
  objects: Array<{ key: string; name: string | null; value: string; resultId: string }>;
  risk: Risk;
  highRiskCase: { id: string; title: ZhEn; description: ZhEn; mitigation: ZhEn } | null;
}

/**
 * Raising findings from results in one action (the UI's counterpart of `fromResults`): one draft
 * per non-conforming or partly conforming unit that no finding covers yet, pre-filled with the
 * objects affected, the unit and the high-risk case its units suggest; the user edits the drafts
 * and raises the chosen ones in one transaction (all or none).
 */
export class FindingDraftsService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(private readonly ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  /** The high-risk case a unit suggests at the assessment's level (the same rule as FindingsService). */
  private async caseFor(a: AssessmentRow, code: string) {
    const row = await this.knex('high_risk_case_units')
      .join('high_risk_cases', (j) => j.on('high_risk_cases.case_id', 'high_risk_case_units.case_id').andOn('high_risk_cases.catalogue_version_id', 'high_risk_case_units.catalogue_version_id'))
      .where('high_risk_case_units.catalogue_version_id', a.catalogue_version_id)
      .where('high_risk_case_units.code', code)
      .where('high_risk_cases.min_level', '<=', Number(a.level))
      .orderBy('high_risk_cases.case_id')
      .first('high_risk_cases.data');
    if (!row) return null;
    const c = JSON.parse(row.data) as { id: string; title: ZhEn; description: ZhEn; mitigation: ZhEn };
    return { id: c.id, title: c.title, description: c.description, mitigation: c.mitigation };
  }

  async drafts(assessmentId: string): Promise<FindingDraft[]> {
    const a = await this.assessments.loadWritable(assessmentId);
    const units = new Map((await unitsInScope(this.knex, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets))).map((u) => [u.code, u]));
    const rows: Array<Record<string, any>> = await this.knex('assessment_results').where({ assessment_id: assessmentId }).whereIn('value', ['nonconform', 'partial']).orderBy('code');
    const covered = new Set((await this.knex('findings').where({ assessment_id: assessmentId }).pluck('units')).flatMap((u: string) => JSON.parse(u) as string[]));
    const names = new Map((await this.knex('assessed_objects').where({ system_id: a.system_id }).select('id', 'name')).map((o: { id: string; name: string }) => [o.id, o.name]));
    const byUnit = new Map<string, Array<Record<string, any>>>();
    for (const r of rows) if (!covered.has(r.code) && units.has(r.code)) byUnit.set(r.code, [...(byUnit.get(r.code) ?? []), r]);
    const drafts: FindingDraft[] = [];
    for (const [code, results] of byUnit) {
      const u = units.get(code)!;
      const worst = results.some((r) => r.value === 'nonconform') ? 'nonconform' : 'partial';
      const text = (t: ZhEn) => ({ zh: t.zh.replace(/。$/, ''), en: t.en.replace(/\.$/, '') });
      drafts.push({
        code,
        layer: u.layer,
        controlPoint: u.controlPoint,
        unitText: u.text,
        worst,
        title: {
          zh: `${u.controlPoint.zh}：${text(u.text).zh}${worst === 'nonconform' ? '（未满足）' : '（部分满足）'}`,
          en: `${u.controlPoint.en}: ${text(u.text).en}${worst === 'nonconform' ? ' (not met)' : ' (partly met)'}`,
        },
        description: results.map((r) => r.record).filter(Boolean).join('\n') || null,
        objects: results.map((r) => ({ key: r.object_key as string, name: r.object_key === 'system' ? null : (names.get(r.object_key) ?? null), value: r.value as string, resultId: r.id as string })),
        risk: worst === 'nonconform' && u.weight === 'key' ? 'high' : worst === 'nonconform' ? 'medium' : 'low',
        highRiskCase: await this.caseFor(a, code),
      });
    }
    return drafts;
  }

  /** Raises the edited drafts in one transaction: a refused one leaves none raised. */
  async raise(assessmentId: string, inputs: FindingInput[]): Promise<FindingView[]> {
    return transaction(this.knex, async (trx: Knex.Transaction) => {
      const findings = new FindingsService({ ...this.ctx, knex: trx });
      const out: FindingView[] = [];
      for (const input of inputs) out.push(await findings.create(assessmentId, input));
      return out;
    });
  }
}
