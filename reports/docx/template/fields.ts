import type { ReportData } from '../../test-report/assemble.js';
import { pct, txt } from '../blocks.js';
import { reportLabels } from '../report-labels.js';

/**
 * The flat view of ReportData an organisation template is filled with, and its schema: what a
 * template may name. `text` fields are strings (numbers and dates already formatted), `flag`
 * fields are booleans for sections ({#flag}…{/flag}, {^flag}…{/flag}), lists are repeated
 * ({#findings}…{/findings}; inside a table row, the row repeats). README "Word documents"
 * documents this list; a template naming anything else is refused on upload.
 */
export type FieldSpec = 'text' | 'flag' | { object: Record<string, FieldSpec> } | { list: Record<string, FieldSpec> };

const T = 'text' as const;
const F = 'flag' as const;
const obj = (...keys: string[]) => ({ object: Object.fromEntries(keys.map((k) => [k, T])) as Record<string, FieldSpec> });

export const TEMPLATE_FIELDS: Record<string, FieldSpec> = {
  reportNumber: T,
  title: T,
  reportType: T,
  lang: T,
  generatedAt: T,
  generator: T,
  system: obj('name', 'description', 'level', 'notation', 'deployment', 'filingCertificate'),
  assessedOrganization: obj('name', 'nameEn', 'address', 'creditCode'),
  assessingOrganization: obj('name', 'code'),
  assessment: obj('kind', 'revision', 'status', 'startDate', 'endDate'),
  conclusion: { object: { label: T, rate: T, rule: T, provisional: F, overridden: F, overrideReason: T } },
  risks: obj('high', 'medium', 'low'),
  counts: obj('conform', 'partial', 'nonconform', 'na', 'applicable', 'total'),
  progress: obj('assessed', 'total'),
  layers: { list: obj('code', 'name', 'rate', 'units', 'conform', 'partial', 'nonconform', 'na').object },
  controlPoints: { list: obj('layer', 'name', 'set', 'rate', 'units', 'conform', 'partial', 'nonconform', 'na').object },
  findings: {
    list: {
      ...obj('number', 'title', 'risk', 'riskCode', 'objects', 'units', 'description', 'threat', 'harm', 'recommendation', 'highRiskCase', 'owner', 'dueDate', 'status').object,
      overdue: F,
      previous: F,
      majorRisk: F,
    },
  },
  majorRisks: { list: obj('number', 'title').object },
  majorRiskCount: T,
  objects: { list: obj('category', 'name', 'ip', 'model', 'version', 'importance').object },
  records: { list: obj('object', 'code', 'controlPoint', 'requirement', 'record', 'result').object },
  gaps: { list: obj('code', 'layer', 'controlPoint', 'requirement', 'result').object },
  highRiskCases: { list: obj('id', 'title', 'scope', 'units').object },
  hasFindings: F,
  hasMajorRisks: F,
};

const s = (x: unknown) => txt(x);
const counts = (c: Record<string, number> | undefined) => ({ conform: s(c?.conform ?? 0), partial: s(c?.partial ?? 0), nonconform: s(c?.nonconform ?? 0), na: s(c?.na ?? 0) });

/** ReportData → the flat view (every field of TEMPLATE_FIELDS, nothing else). */
export function templateView(d: ReportData): Record<string, unknown> {
  const L = reportLabels(d.lang);
  const findings = d.findings ?? [];
  const hazards = d.hazards?.list ?? [];
  return {
    reportNumber: s(d.reportNumber),
    title: L(`title_${d.type}`),
    reportType: d.type,
    lang: d.lang,
    generatedAt: d.generatedAt,
    generator: d.generator,
    system: { name: s(d.system?.name), description: s(d.system?.description), level: s(d.system?.level), notation: s(d.system?.notation), deployment: s(d.system?.deployment), filingCertificate: s(d.system?.filingCertificate) },
    assessedOrganization: { name: s(d.assessedOrganization?.name), nameEn: s(d.assessedOrganization?.nameEn), address: s(d.assessedOrganization?.address), creditCode: s(d.assessedOrganization?.creditCode) },
    assessingOrganization: { name: s(d.assessingOrganization?.name), code: s(d.assessingOrganization?.code) },
    assessment: { kind: s(d.assessment?.kind), revision: s(d.assessment?.revision), status: s(d.assessment?.status), startDate: s(d.assessment?.startDate), endDate: s(d.assessment?.endDate) },
    conclusion: { label: s(d.conclusion?.label), rate: pct(d.conclusion?.value), rule: s(d.conclusion?.rule), provisional: !!d.conclusion?.provisional, overridden: !!d.conclusion?.override, overrideReason: s(d.conclusion?.override?.reason) },
    risks: { high: s(d.risks?.high ?? 0), medium: s(d.risks?.medium ?? 0), low: s(d.risks?.low ?? 0) },
    counts: { ...counts(d.counts), applicable: s(d.counts?.applicable ?? 0), total: s(d.counts?.total ?? 0) },
    progress: { assessed: s(d.progress?.assessed ?? 0), total: s(d.progress?.total ?? 0) },
    layers: (d.layers ?? []).map((l) => ({ code: l.code, name: l.name, rate: pct(l.rate), units: s(l.units), ...counts(l.counts) })),
    controlPoints: (d.layers ?? []).flatMap((l) => (l.controlPoints ?? []).map((c) => ({ layer: l.code, name: c.name, set: s(c.setName), rate: pct(c.rate), units: s(c.units), ...counts(c.counts) }))),
    findings: findings.map((f) => ({
      number: f.number,
      title: f.title,
      risk: L(f.effectiveRisk),
      riskCode: f.effectiveRisk,
      objects: (f.objects ?? []).join('、'),
      units: (f.units ?? []).join(', '),
      description: s(f.description),
      threat: s(f.threat),
      harm: s(f.harm),
      recommendation: s(f.recommendation),
      highRiskCase: f.highRiskCase ? `${f.highRiskCase.id} ${f.highRiskCase.title}` : '',
      owner: s(f.remediation?.owner),
      dueDate: s(f.remediation?.dueDate),
      status: f.remediation ? L(`remediation_status_${f.remediation.status}`) : '',
      overdue: !!f.remediation?.overdue,
      previous: !!f.previous,
      majorRisk: !!f.majorRisk,
    })),
    // 重大风险隐患 (hazards), kept under the documented name majorRisks; majorRiskCount reads like 10（5个已整改）.
    majorRisks: hazards.map((h) => ({ number: h.number, title: `${h.trigger} ${h.triggerTitle}` })),
    majorRiskCount: s(d.hazards?.display),
    objects: (d.objectsByCategory ?? []).flatMap((g) => g.objects.map((o) => ({ category: g.label, name: o.name, ip: s(o.ip), model: s(o.model), version: s(o.version), importance: s(o.importance) }))),
    records: (d.records ?? []).flatMap((r) => r.rows.map((x) => ({ object: r.object, code: x.code, controlPoint: x.controlPoint, requirement: x.text, record: s(x.record), result: x.value }))),
    gaps: (d.gaps ?? []).map((g) => ({ code: g.code, layer: g.layer, controlPoint: g.controlPoint, requirement: g.text, result: g.value })),
    highRiskCases: (d.highRiskCases ?? []).map((c) => ({ id: c.id, title: c.title, scope: c.scope, units: (c.units ?? []).join(', ') })),
    hasFindings: findings.length > 0,
    hasMajorRisks: hazards.length > 0,
  };
}
