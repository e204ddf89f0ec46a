import type { FindingView } from '../../server/assessments/findings.js';
import type { VerificationData } from '../../server/assessments/snapshot.js';
import type { Language } from '../../server/i18n.js';
import { countsByObject } from '../../server/verification/scans.js';
import { verificationTables } from '../../server/verification/tables.js';

const RISK: Record<Language, Record<string, string>> = {
  'zh-CN': { high: '高', medium: '中', low: '低', none: '无' },
  en: { high: 'High', medium: 'Medium', low: 'Low', none: 'None' },
};
const KIND: Record<Language, Record<string, string>> = {
  'zh-CN': { control_point: '控制点间', layer: '层面间', area: '区域间' },
  en: { control_point: 'Between control points', layer: 'Between layers', area: 'Between areas' },
};

/** Chapter 4 and appendices E, F: scans, vulnerabilities and pen-test cases. */
export interface VerificationSection {
  scans: Array<{ number: string; scanner: string; version: string | null; scannedAt: string | null; fileName: string; hash: string; vulnerabilities: number; informational: number; counts: { high: number; medium: number; low: number }; unmatchedHosts: string[] }>;
  byObject: Array<{ name: string; matched: boolean; high: number; medium: number; low: number; total: number }>;
  totals: { high: number; medium: number; low: number; total: number };
  vulnerabilities: Array<{ scan: string; target: string; port: string | null; pluginId: string | null; cves: string[]; title: string; risk: string; riskLabel: string; solution: string | null; finding: string | null }>;
  pentests: Array<{ number: string; target: string; entryPoint: string | null; method: string; steps: string | null; result: string; risk: string; riskLabel: string; testedAt: string | null; evidence: string[]; finding: string | null }>;
}
/** Chapter 6: compensations, the recorded results beside their effect. */
export type CompensationSection = Array<{
  number: string;
  kind: string;
  kindLabel: string;
  measure: string;
  reasoning: string;
  effects: Array<{ unit: string; controlPoint: string; recorded: string; before: string; after: string }>;
  findings: Array<{ number: string; title: string; before: string; after: string }>;
}>;
/** Chapter 7: each finding's risk analysis. */
export type RiskAnalysisSection = Array<{
  number: string;
  title: string;
  assets: string[];
  threats: Array<{ code: string; name: string }>;
  threatText: string | null;
  harm: string | null;
  likelihood: string | null;
  impact: string | null;
  matrixRisk: string | null;
  risk: string;
  riskAfter: string | null;
  overrideReason: string | null;
  complete: boolean;
}>;
/** Appendix I: the threats used, with the findings that expose them. */
export interface ThreatSection {
  list: Array<{ code: string; name: string; description: string; findings: string[] }>;
  source: string;
  matrixSource: string;
  matrixVerified: boolean;
}

/** Chapters 4, 6, 7 and appendices E, F, I from the snapshot's verification data (pure). */
export function verificationSections(
  data: VerificationData,
  lang: Language,
  input: { findings: readonly FindingView[]; results: ReadonlyArray<{ code: string; controlPoint: string; value: string }>; objectName: (id: string) => string; valueLabel: Record<string, string> },
): { verification: VerificationSection; compensations: CompensationSection; riskAnalysis: RiskAnalysisSection; threats: ThreatSection } {
  const zh = lang === 'zh-CN';
  const pick = (t: { zh: string; en: string }) => (zh ? t.zh : t.en);
  const { scans, vulnerabilities: vulns, pentests, compensations } = data;
  const findingNumber = new Map(input.findings.map((f) => [f.id, f.number]));
  const scanNumber = new Map(scans.map((s) => [s.id, s.number]));
  const tables = verificationTables();
  const threatByCode = new Map(tables.threats.threats.map((t) => [t.code, t]));
  const scale = (list: Array<{ value: number; zh: string; en: string }>, v: number | null) => (v == null ? null : `${v}（${pick(list.find((s) => s.value === v) ?? { zh: String(v), en: String(v) })}）`);
  const byObject = countsByObject(vulns);

  return {
    verification: {
      scans: scans.map((s) => ({
        number: s.number,
        scanner: s.scanner,
        version: s.scannerVersion,
        scannedAt: s.scannedAt,
        fileName: s.fileName,
        hash: s.fileHash.slice(0, 16),
        vulnerabilities: s.vulnerabilities,
        informational: s.informational,
        counts: s.counts,
        unmatchedHosts: s.hosts.filter((h) => !h.objectId).map((h) => [h.host, h.hostname].filter(Boolean).join(' ')),
      })),
      byObject: byObject.map((o) => ({ name: o.objectId ? o.name : `${o.name}${zh ? '（未对应测评对象）' : ' (no assessed object)'}`, matched: !!o.objectId, high: o.high, medium: o.medium, low: o.low, total: o.total })),
      totals: byObject.reduce((t, o) => ({ high: t.high + o.high, medium: t.medium + o.medium, low: t.low + o.low, total: t.total + o.total }), { high: 0, medium: 0, low: 0, total: 0 }),
      vulnerabilities: vulns.map((v) => ({
        scan: scanNumber.get(v.scanId) ?? '',
        target: [v.objectName, v.host ?? v.hostname].filter(Boolean).join(' / '),
        port: v.port ? `${v.port}/${v.protocol ?? ''}` : null,
        pluginId: v.pluginId,
        cves: v.cves,
        title: v.title,
        risk: v.risk,
        riskLabel: RISK[lang][v.risk]!,
        solution: v.solution,
        finding: v.findingId ? (findingNumber.get(v.findingId) ?? null) : null,
      })),
      pentests: pentests.map((p) => ({
        number: p.number,
        target: p.target,
        entryPoint: p.entryPoint,
        method: p.method,
        steps: p.steps,
        result: p.result,
        risk: p.risk,
        riskLabel: RISK[lang][p.risk]!,
        testedAt: p.testedAt,
        evidence: p.evidence.map((e) => e.title),
        finding: p.findingId ? (findingNumber.get(p.findingId) ?? null) : null,
      })),
    },
    compensations: compensations.map((c) => ({
      number: c.number,
      kind: c.kind,
      kindLabel: KIND[lang][c.kind]!,
      measure: c.measure,
      reasoning: c.reasoning,
      effects: c.effects.map((e) => {
        const rows = input.results.filter((r) => r.code === e.unit);
        const counts = new Map<string, number>();
        for (const r of rows) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
        return {
          unit: e.unit,
          controlPoint: rows[0]?.controlPoint ?? '',
          recorded: [...counts].map(([v, n]) => `${input.valueLabel[v] ?? v}${n > 1 ? ` ×${n}` : ''}`).join(zh ? '、' : ', '),
          before: RISK[lang][e.before]!,
          after: RISK[lang][e.after]!,
        };
      }),
      findings: c.findings.map((f) => ({ number: f.number, title: f.title, before: RISK[lang][f.riskBefore]!, after: RISK[lang][f.riskAfter]! })),
    })),
    riskAnalysis: input.findings.map((f) => ({
      number: f.number,
      title: f.title,
      assets: f.objects.map((o) => (o === 'system' ? (zh ? '整个系统' : 'Whole system') : input.objectName(o))),
      threats: f.riskAnalysis.threats.map((c) => ({ code: c, name: threatByCode.has(c) ? pick(threatByCode.get(c)!.name) : c })),
      threatText: f.threat,
      harm: f.harm,
      likelihood: scale(tables.matrix.likelihood, f.riskAnalysis.likelihood),
      impact: scale(tables.matrix.impact, f.riskAnalysis.impact),
      matrixRisk: f.riskAnalysis.matrixRisk ? RISK[lang][f.riskAnalysis.matrixRisk]! : null,
      risk: RISK[lang][f.risk]!,
      riskAfter: f.mitigation ? RISK[lang][f.mitigation.riskAfter]! : null,
      overrideReason: f.riskAnalysis.overrideReason,
      complete: f.riskAnalysis.complete,
    })),
    threats: {
      list: tables.threats.threats
        .map((t) => ({ code: t.code, name: pick(t.name), description: pick(t.description), findings: input.findings.filter((f) => f.riskAnalysis.threats.includes(t.code)).map((f) => f.number) }))
        .filter((t) => t.findings.length),
      source: zh ? tables.threats.sourceZh : tables.threats.source,
      matrixSource: zh ? tables.matrix.sourceZh : tables.matrix.source,
      matrixVerified: tables.matrix.verified,
    },
  };
}
