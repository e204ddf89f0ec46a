import type { HazardView, hazardCounts } from '../../server/assessments/hazards.js';
import { shippedTriggers } from '../../server/catalogue/triggers.js';
import type { Language } from '../../server/i18n.js';
import type { ReportData } from './assemble.js';

const STATUS: Record<Language, Record<string, string>> = {
  'zh-CN': { suspected: '疑似', confirmed: '已确认', remediated: '已整改' },
  en: { suspected: 'Suspected', confirmed: 'Confirmed', remediated: 'Remediated' },
};
const RISK: Record<Language, Record<string, string>> = {
  'zh-CN': { high: '高风险', medium: '中风险', low: '低风险' },
  en: { high: 'High', medium: 'Medium', low: 'Low' },
};

/**
 * The report's major-risk-hazard sections: the conclusion page's count, chapter 7's list (confirmed
 * and remediated hazards; suspected ones are not yet judged and stay out of the report) and
 * appendix G table 1 with the triggers that fired.
 */
export function hazardSections(hazards: readonly HazardView[], counts: ReturnType<typeof hazardCounts>, lang: Language): Pick<ReportData, 'hazards' | 'triggers'> {
  const zh = lang === 'zh-CN';
  const pick = (t: { zh: string; en: string }) => (zh ? t.zh : t.en);
  const triggers = shippedTriggers();
  const judged = hazards.filter((h) => h.status !== 'suspected');
  return {
    hazards: {
      total: counts.total,
      remediated: counts.remediated,
      counted: counts.counted,
      display: pick(counts.display),
      list: judged.map((h) => ({
        number: h.number,
        trigger: h.trigger.code,
        triggerTitle: pick(h.trigger.title),
        status: h.status,
        statusLabel: STATUS[lang][h.status]!,
        dates: h.dates,
        description: h.description,
        principles: triggers.principles.map((p) => ({ name: pick(p), reason: h.principles[p.key] })),
        findings: h.findings.map((f) => ({ number: f.number, title: f.title, risk: RISK[lang][f.effectiveRisk] ?? f.effectiveRisk })),
      })),
    },
    triggers: triggers.triggers.map((t) => ({
      code: t.code,
      layer: t.layerName,
      controlPoint: t.controlPoint,
      requirement: t.requirement,
      title: pick(t.title),
      conditions: t.conditions,
      fired: judged.filter((h) => h.trigger.code === t.code).map((h) => h.number),
    })),
  };
}
