import type { Aggregation, UnitInfo } from './aggregate.js';
import type { Scheme } from './schemes.js';

export interface ConclusionInput {
  aggregation: Aggregation;
  units: readonly UnitInfo[];
  /** Confirmed major risk hazards (重大风险隐患) that still stand. */
  majorRisks: number;
  /** Findings whose risk is high (after mitigation). */
  highRiskFindings: number;
}

export interface Conclusion {
  scheme: string;
  conclusion: string;
  label: { zh: string; en: string };
  value: number | null; // the rate (0..1) or the score (0..100)
  provisional: boolean; // some units are not assessed yet
  rule: { zh: string; en: string };
  basis: { source: string; verified: boolean; readings: Array<{ topic: string; decision: { zh: string; en: string }; reason: string }> };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
/** Rounds away floating-point noise so band boundaries (90, 0.9) compare exactly. */
const clean = (x: number) => Math.round(x * 1e9) / 1e9;

/** Applies a conclusion scheme to an aggregation; the rule text carries the numbers that produced it. */
export function conclude(scheme: Scheme, input: ConclusionInput): Conclusion {
  const o = input.aggregation.overall;
  const provisional = o.complete < o.units;
  const basis = { source: scheme.source, verified: scheme.verified, readings: scheme.readings };
  if (scheme.kind === 'compliance_rate') {
    const p = scheme.parameters;
    // basis "result" counts unit × object results instead of units.
    const rc = input.aggregation.resultCounts;
    const c = p.basis === 'unit' ? { ...o.counts, applicable: o.applicable } : { ...rc, applicable: rc.conform + rc.partial + rc.nonconform };
    const rate = c.applicable ? clean((c.conform + p.partialCredit * c.partial) / c.applicable) : 0;
    // 1846号 Q20: major risk hazards only decide between 符合 and what a hazard makes of it;
    // a rate of basicAtLeast or more is 基本符合 whatever the hazards, below it 不符合.
    let conclusion: 'conform' | 'basic' | 'nonconform';
    if (rate > p.conformAbove) conclusion = input.majorRisks > 0 ? p.majorRiskConclusion : 'conform';
    else if (rate >= p.basicAtLeast) conclusion = 'basic';
    else conclusion = 'nonconform';
    const label = scheme.conclusions[conclusion];
    const num = p.partialCredit ? `符合 ${c.conform} + ${p.partialCredit} × 部分符合 ${c.partial}` : `符合 ${c.conform}`;
    const numEn = p.partialCredit ? `conform ${c.conform} + ${p.partialCredit} × partial ${c.partial}` : `conform ${c.conform}`;
    const hazardZh = p.majorRiskConclusion === 'basic' ? '' : `；高于 ${pct(p.conformAbove)} 但存在重大风险隐患为${scheme.conclusions[p.majorRiskConclusion].zh}`;
    const hazardEn = p.majorRiskConclusion === 'basic' ? '' : `; above ${pct(p.conformAbove)} with a major risk hazard → ${scheme.conclusions[p.majorRiskConclusion].en}`;
    return {
      scheme: scheme.id,
      conclusion,
      label,
      value: rate,
      provisional,
      rule: {
        zh: `符合率 = ${num} ÷ 适用${p.basis === 'unit' ? '测评项' : '测评结果'} ${c.applicable}（不含不适用 ${c.na}）= ${pct(rate)}；重大风险隐患 ${input.majorRisks} 个。规则：符合率高于 ${pct(p.conformAbove)} 且无重大风险隐患为符合；符合率不低于 ${pct(p.basicAtLeast)} 为基本符合，不论是否存在高风险问题或重大风险隐患${hazardZh}；符合率低于 ${pct(p.basicAtLeast)} 为不符合。重大风险隐患本身不会使结论为不符合。结论：${label.zh}${provisional ? '（尚有测评项未完成，结论为暂定）' : ''}。`,
        en: `Compliance rate = ${numEn} ÷ ${c.applicable} applicable ${p.basis === 'unit' ? 'units' : 'results'} (excluding ${c.na} not applicable) = ${pct(rate)}; major risk hazards: ${input.majorRisks}. Rule: a rate above ${pct(p.conformAbove)} with no major risk hazard → Conforms; a rate of at least ${pct(p.basicAtLeast)} → Basically conforms, whatever the high-risk issues or major risk hazards${hazardEn}; a rate below ${pct(p.basicAtLeast)} → Does not conform. A major risk hazard never makes a system non-conforming by itself. Conclusion: ${label.en}${provisional ? ' (provisional: some units are not assessed yet)' : ''}.`,
      },
      basis,
    };
  }
  const p = scheme.parameters;
  const weightOf = new Map(input.units.map((u) => [u.code, p.weights[u.weight]]));
  let num = 0;
  let den = 0;
  for (const u of input.aggregation.units) {
    if (!u.complete || u.value === 'na' || u.value === null) continue;
    const w = weightOf.get(u.code) ?? 0;
    den += w;
    num += w * (u.value === 'conform' ? 1 : u.value === 'partial' ? p.partialCredit : 0);
  }
  const score = den ? clean((100 * num) / den) : 0;
  let conclusion: 'excellent' | 'good' | 'fair' | 'poor';
  if (input.highRiskFindings > 0) conclusion = p.highRiskConclusion;
  else if (score >= p.bands.excellent) conclusion = 'excellent';
  else if (score >= p.bands.good) conclusion = 'good';
  else if (score >= p.bands.fair) conclusion = 'fair';
  else conclusion = 'poor';
  const label = scheme.conclusions[conclusion];
  return {
    scheme: scheme.id,
    conclusion,
    label,
    value: score,
    provisional,
    rule: {
      zh: `综合得分 = 100 × Σ(权重 × 单项得分) ÷ Σ权重 = 100 × ${num.toFixed(2)} ÷ ${den.toFixed(2)} = ${score.toFixed(2)}（权重 关键 ${p.weights.key}/重要 ${p.weights.important}/一般 ${p.weights.general}，部分符合得 ${p.partialCredit} 分）；高风险问题 ${input.highRiskFindings} 个。规则：存在高风险问题为${scheme.conclusions[p.highRiskConclusion].zh}；≥${p.bands.excellent} 优，≥${p.bands.good} 良，≥${p.bands.fair} 中，否则差。结论：${label.zh}${provisional ? '（暂定）' : ''}。`,
      en: `Composite score = 100 × Σ(weight × unit score) ÷ Σ weight = 100 × ${num.toFixed(2)} ÷ ${den.toFixed(2)} = ${score.toFixed(2)} (weights key ${p.weights.key} / important ${p.weights.important} / general ${p.weights.general}; partial scores ${p.partialCredit}); high-risk issues: ${input.highRiskFindings}. Rule: any high-risk issue → ${scheme.conclusions[p.highRiskConclusion].en}; ≥${p.bands.excellent} Excellent, ≥${p.bands.good} Good, ≥${p.bands.fair} Fair, otherwise Poor. Conclusion: ${label.en}${provisional ? ' (provisional)' : ''}.`,
    },
    basis,
  };
}
