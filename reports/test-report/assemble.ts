import type { Knex } from 'knex';
import { testBasis } from '../../server/systems/filing-rules.js';
import type { Caller } from '../../server/context.js';
import { byRisk } from '../../server/assessments/numbering.js';
import { loadAssessmentSnapshot, resultViewsOf, type AssessmentSnapshot } from '../../server/assessments/snapshot.js';
import { hazardSections } from './hazards.js';
import { verificationSections, type CompensationSection, type RiskAnalysisSection, type ThreatSection, type VerificationSection } from './verification.js';
import { summaryOf } from '../../server/assessments/summary.js';
import type { Catalogue } from '../../server/catalogue/index.js';
import type { Language } from '../../server/i18n.js';
import { packageVersion } from '../../server/version.js';

export type ReportType = 'test_report' | 'gap_analysis' | 'remediation_plan' | 'executive_summary';

/** The plain data every report of an assessment is rendered from (the "assemble" step: no HTML here). */
export interface ReportData {
  type: ReportType;
  lang: Language;
  generatedAt: string;
  generator: string;
  reportNumber: string | null;
  assessment: { id: string; kind: string; revision: number; status: string; startDate: string | null; endDate: string | null; scheme: string };
  assessedOrganization: { name: string; nameEn: string | null; address: string | null; creditCode: string | null };
  assessingOrganization: { name: string | null; code: string | null };
  system: { name: string; description: string | null; level: number; notation: string | null; deployment: string; filingCertificate: string | null; requirementSets: string[] };
  /** Level 5 only: the sentence saying the test ran against level 4 of GB/T 22239 plus GA/T 2182-2024 (1846号 Q9-Q11). */
  testBasis: string | null;
  platform: { product: string; provider: string; level: number; reportNumber: string; testDate: string; validUntil: string; conclusion: string } | null;
  inheritance: { state: string; reason: string | null; inheritedUnits: number } | null;
  conclusion: { code: string; label: string; value: number | null; rule: string; provisional: boolean; basisVerified: boolean; basisSource: string; override: { conclusion: string; reason: string; by: string } | null };
  progress: { assessed: number; total: number };
  counts: { conform: number; partial: number; nonconform: number; na: number; applicable: number; total: number };
  risks: { high: number; medium: number; low: number };
  /** 重大风险隐患: counts for the conclusion page (before remediation, remediated marked) and each hazard for chapter 7. */
  hazards: {
    total: number;
    remediated: number;
    counted: number;
    display: string;
    list: Array<{
      number: string;
      trigger: string;
      triggerTitle: string;
      status: string;
      statusLabel: string;
      dates: { suspected: string; confirmed: string | null; remediated: string | null };
      description: string | null;
      principles: Array<{ name: string; reason: string | null }>;
      findings: Array<{ number: string; title: string; risk: string }>;
    }>;
  };
  /** Appendix G table 1: every trigger, with the numbers of the confirmed (or remediated) hazards it fired. */
  triggers: Array<{ code: string; layer: string; controlPoint: string | null; requirement: string | null; title: string; conditions: string[]; fired: string[] }>;
  layers: Array<{ code: string; name: string; rate: number | null; counts: Record<string, number>; units: number; controlPoints: Array<{ set: string; setName: string | null; name: string; rate: number | null; counts: Record<string, number>; units: number }> }>;
  domains: Array<{ domain: string; rate: number | null; units: number }>;
  objectsByCategory: Array<{ category: string; label: string; objects: Array<{ name: string; ip: string | null; model: string | null; version: string | null; importance: string }> }>;
  findings: Array<{
    number: string;
    title: string;
    risk: string;
    effectiveRisk: string;
    units: string[];
    objects: string[];
    description: string | null;
    threat: string | null;
    harm: string | null;
    recommendation: string | null;
    highRiskCase: { id: string; title: string; status: string } | null;
    mitigation: { measure: string; riskAfter: string; reason: string } | null;
    majorRisk: boolean;
    previous: boolean;
    remediation: { owner: string | null; dueDate: string | null; status: string; overdue: boolean } | null;
  }>;
  records: Array<{ object: string; rows: Array<{ code: string; layer: string; controlPoint: string; text: string; value: string; record: string | null; inherited: boolean }> }>;
  gaps: Array<{ code: string; layer: string; controlPoint: string; text: string; value: string }>;
  highRiskCases: Array<{ id: string; title: string; scope: string; units: string[] }>;
  /** Chapter 4 and appendices E, F: vulnerability scans and penetration tests. */
  verification: VerificationSection;
  /** Chapter 6 (整体测评): compensations, recorded results beside their effect. */
  compensations: CompensationSection;
  /** Chapter 7: the risk analysis of each finding. */
  riskAnalysis: RiskAnalysisSection;
  /** Appendix I: the threats used, their source and the risk matrix's source. */
  threats: ThreatSection;
}

const CATEGORY_ORDER = ['machine_room', 'network_device', 'security_device', 'server_storage', 'terminal', 'other_device', 'management_platform', 'business_application', 'data_resource', 'crypto_product', 'security_personnel', 'management_document',
  'wireless_access_point', 'mobile_terminal', 'mobile_app', 'mdm', 'sensor_node', 'gateway_node', 'field_device', 'control_device'];

/** Loads the assessment once (the caller must be allowed to download) and assembles the report from it. */
export async function assembleReport(knex: Knex, caller: Caller, catalogue: Catalogue, assessmentId: string, type: ReportType, lang: Language, today: string): Promise<ReportData> {
  const snapshot = await loadAssessmentSnapshot({ knex, caller }, assessmentId, { permission: 'download', results: 'all', report: true, verification: true });
  return reportDataOf(snapshot, catalogue, type, lang, today);
}

/** The report's data from a snapshot loaded with every result column, the report's rows and the verification data (pure but for the clock of `generatedAt`). */
export function reportDataOf(s: AssessmentSnapshot, catalogue: Catalogue, type: ReportType, lang: Language, today: string): ReportData {
  if (!s.system || !s.organization || !s.verification || s.grading === undefined) throw new Error('reportDataOf needs a snapshot loaded with { report: true, verification: true }');
  const a = s.assessment;
  const summary = summaryOf(s);
  // Listed by risk; each finding prints its own stable number.
  const findings = byRisk([...s.findings]);
  const hazards = s.hazards;
  const results = resultViewsOf(s);
  const org = s.organization;
  const system = s.system;
  const grading = s.grading;
  const filing = s.filing;
  const platformRow = s.systemPlatform;
  const objects = s.objects;
  const zh = lang === 'zh-CN';
  const pick = (t: { zh: string; en: string }) => (zh ? t.zh : t.en);
  const categoryLabel = new Map(catalogue.meta.objectCategories.map((c) => [c.code, pick(c)]));
  const layerName = new Map(catalogue.meta.layers.map((l) => [l.code, pick(l)]));
  const objectName = new Map(objects.map((o: Record<string, string>) => [o.id, o.name]));
  const valueLabel: Record<string, string> = zh
    ? { conform: '符合', partial: '部分符合', nonconform: '不符合', na: '不适用', not_assessed: '未测评' }
    : { conform: 'Conforms', partial: 'Partly conforms', nonconform: 'Does not conform', na: 'Not applicable', not_assessed: 'Not assessed' };
  const unitIndex = new Map(results.map((r) => [r.code, r]));
  const recordsByObject = new Map<string, ReportData['records'][number]['rows']>();
  for (const r of results) {
    const key = r.objectName ?? (zh ? '整个系统' : 'Whole system');
    const list = recordsByObject.get(key) ?? [];
    list.push({ code: r.code, layer: r.layer, controlPoint: r.controlPoint, text: pick(r.text), value: valueLabel[r.value]!, record: r.record, inherited: r.inherited });
    recordsByObject.set(key, list);
  }
  const sections = verificationSections(s.verification, lang, {
    findings,
    results: results.map((r) => ({ code: r.code, controlPoint: r.controlPoint, value: r.value })),
    objectName: (id) => objectName.get(id) ?? id,
    valueLabel,
  });
  const caseIds = new Set(findings.map((f) => f.highRiskCase?.id).filter((x): x is string => !!x));
  return {
    type,
    lang,
    generatedAt: new Date().toISOString(),
    generator: `dengbao ${packageVersion()}`,
    reportNumber: a.reportNumber,
    assessment: { id: a.id, kind: a.kind, revision: a.revision, status: a.status, startDate: a.startDate, endDate: a.endDate, scheme: a.scheme },
    assessedOrganization: { name: org.name, nameEn: org.name_en ?? null, address: org.address ?? null, creditCode: org.credit_code ?? null },
    assessingOrganization: { name: a.assessingOrganization, code: a.assessingOrganizationCode },
    system: { name: system.name, description: system.description ?? null, level: a.level, notation: grading?.notation ?? null, deployment: system.deployment, filingCertificate: filing?.certificate_number ?? null, requirementSets: a.requirementSets },
    testBasis: a.level === 5 ? pick(testBasis(a.level)) : null,
    platform: platformRow
      ? { product: platformRow.product, provider: platformRow.provider, level: Number(platformRow.level), reportNumber: platformRow.report_number, testDate: platformRow.test_date, validUntil: platformRow.valid_until, conclusion: platformRow.conclusion }
      : null,
    inheritance: summary.inheritance ? { state: summary.inheritance.state, reason: summary.inheritance.reason ?? null, inheritedUnits: summary.inheritance.inheritedUnits ?? 0 } : null,
    conclusion: {
      code: summary.finalConclusion,
      label: summary.override ? summary.override.conclusion : pick(summary.conclusion.label),
      value: summary.conclusion.value,
      rule: pick(summary.conclusion.rule),
      provisional: summary.conclusion.provisional,
      basisVerified: summary.conclusion.basis.verified,
      basisSource: summary.conclusion.basis.source,
      override: summary.override ? { conclusion: summary.override.conclusion, reason: summary.override.reason, by: summary.override.by } : null,
    },
    progress: summary.progress,
    counts: { ...summary.units.counts, applicable: summary.units.applicable, total: summary.units.total },
    risks: summary.findings.byRisk,
    ...hazardSections(hazards, summary.hazards, lang),
    layers: summary.byLayer.map((l) => ({
      code: l.layer,
      // ADD: the assessor's additional items (X-…), marked as such.
      name: layerName.get(l.layer as never) ?? (l.layer === 'ADD' ? (zh ? '补充测评项' : 'Additional items') : l.layer),
      rate: l.rate,
      counts: l.counts,
      units: l.units,
      // A cloud control point is its own group, marked with its set (the sets number control points from 1 each).
      controlPoints: summary.byControlPoint
        .filter((c) => c.layer === l.layer)
        .map((c) => ({ set: c.set, setName: c.set === 'general' ? null : catalogue.meta.sets[c.set as 'cloud'] ? pick(catalogue.meta.sets[c.set as 'cloud']) : zh ? '补充测评项' : 'Additional items', name: pick(c.controlPoint), rate: c.rate, counts: c.counts, units: c.units })),
    })),
    domains: summary.byDomain.map((d) => ({ domain: d.domain, rate: d.rate, units: d.units })),
    objectsByCategory: CATEGORY_ORDER.map((c) => ({
      category: c,
      label: categoryLabel.get(c as never) ?? c,
      objects: objects
        .filter((o: Record<string, unknown>) => o.category === c)
        .map((o: Record<string, any>) => ({ name: o.name, ip: o.ip ?? null, model: o.model ?? null, version: o.version ?? null, importance: zh ? ({ key: '关键', important: '重要', general: '一般' } as Record<string, string>)[o.importance]! : o.importance })),
    })).filter((g) => g.objects.length),
    findings: findings.map((f) => {
      const hc = f.highRiskCase ? catalogue.highRiskCases.find((c) => c.id === f.highRiskCase!.id) : undefined;
      return {
        number: f.number,
        title: f.title,
        risk: f.risk,
        effectiveRisk: f.effectiveRisk,
        units: f.units,
        objects: f.objects.map((o) => (o === 'system' ? (zh ? '整个系统' : 'Whole system') : (objectName.get(o) ?? o))),
        description: f.description,
        threat: f.threat,
        harm: f.harm,
        recommendation: f.recommendation,
        highRiskCase: f.highRiskCase && hc ? { id: hc.id, title: pick(hc.title), status: f.highRiskCase.status } : null,
        mitigation: f.mitigation,
        majorRisk: f.majorRisk,
        previous: f.previous,
        remediation: f.remediation ? { ...f.remediation, overdue: !!f.remediation.dueDate && f.remediation.dueDate < today && !['verified', 'risk_accepted'].includes(f.remediation.status) } : null,
      };
    }),
    records: [...recordsByObject].map(([object, rows]) => ({ object, rows })),
    gaps: [...new Map(results.filter((r) => r.value === 'nonconform' || r.value === 'partial').map((r) => [r.code, r])).values()].map((r) => ({
      code: r.code,
      layer: r.layer,
      controlPoint: r.controlPoint,
      text: pick(r.text),
      value: valueLabel[unitIndex.get(r.code)!.value]!,
    })),
    // A case lists its units at every level; the report names only this assessment's (a level-2 report shows L2- codes).
    highRiskCases: catalogue.highRiskCases.filter((c) => caseIds.has(c.id)).map((c) => ({ id: c.id, title: pick(c.title), scope: c.scope, units: c.units.filter((u) => unitIndex.has(u)) })),
    ...sections,
  };
}
