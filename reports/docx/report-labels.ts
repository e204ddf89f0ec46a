import { translator } from '../../server/i18n.js';
import type { ReportData } from '../test-report/assemble.js';
import { pct, txt, type Block, type Cell } from './blocks.js';

/** The report.* labels of the PDF (server/locales), read defensively: a missing key shows its name. */
export function reportLabels(lang: string, block = 'report'): (key: string) => string {
  const labels = translator(lang as never)(block, { returnObjects: true }) as unknown as Record<string, string>;
  return (key: string) => labels[key] ?? key;
}

export type Finding = ReportData['findings'][number];
const RISK_FILL: Record<string, string> = { high: 'F8D7DA', medium: 'FFF3CD', low: 'DCEBFA' };
const RATE_COLOR = (r: number | null) => (r === null ? 'BBBBBB' : r >= 0.9 ? '2E7D32' : r >= 0.6 ? 'F9A825' : 'C62828');

/** A risk cell coloured as in the PDF; `label` when the text is already in the report language. */
export const riskCell = (L: (k: string) => string, risk: string, label?: string): Cell => ({ text: label ?? L(risk), fill: RISK_FILL[risk] });
export const statusLabel = (L: (k: string) => string, f: Finding) => (f.remediation ? L(`remediation_status_${f.remediation.status}`) : '');
export const countsText = (c: Record<string, number> | undefined) => `${c?.conform ?? 0} / ${c?.partial ?? 0} / ${c?.nonconform ?? 0} / ${c?.na ?? 0}`;

/** The conclusion box of the PDF (partials/conclusion.hbs): conclusion, rate, rule, risk counts. */
export function conclusionBlocks(d: ReportData, L: (k: string) => string): Block[] {
  const c = d.conclusion;
  const out: Block[] = [{ kind: 'paragraph', bold: true, text: `${L('conclusion')}${L('colon')}${txt(c?.label)}　${L('compliance_rate')}${L('colon')}${pct(c?.value)}` }];
  if (c?.provisional) out.push({ kind: 'blank', text: L('provisional') });
  if (c?.override) out.push({ kind: 'paragraph', text: `${L('override')}${L('colon')}${c.override.conclusion} — ${c.override.reason}（${c.override.by}）` });
  out.push({ kind: 'paragraph', muted: true, text: `${L('rule')}${L('colon')}${txt(c?.rule)}${c?.basisVerified ? '' : `（${L('unverified_basis')}）`}` });
  // 重大风险隐患: the count before remediation with the remediated marked (10（5个已整改）), then each hazard.
  const hazards = d.hazards?.list ?? [];
  out.push({
    kind: 'table',
    header: [L('high'), L('medium'), L('low'), L('major_risks')],
    rows: [[txt(d.risks?.high ?? 0), txt(d.risks?.medium ?? 0), txt(d.risks?.low ?? 0), hazards.length ? { lines: [txt(d.hazards?.display), ...hazards.map((h) => `${h.number} ${h.trigger} ${h.triggerTitle}`)] } : L('none')]],
    widths: [15, 15, 15, 55],
  });
  return out;
}

/** The two charts of the PDF (rate per layer, findings per risk) as native Word charts. */
export function chartBlocks(d: ReportData, L: (k: string) => string): Block[] {
  const layers = d.layers ?? [];
  const out: Block[] = [];
  if (layers.length) {
    out.push({ kind: 'chart', chart: 'bar', title: L('by_layer'), categories: layers.map((l) => `${l.code} ${l.name}`), values: layers.map((l) => l.rate), colors: layers.map((l) => RATE_COLOR(l.rate)), percent: true });
  }
  const r = d.risks ?? { high: 0, medium: 0, low: 0 };
  out.push({ kind: 'chart', chart: 'column', title: L('by_risk'), categories: [L('high'), L('medium'), L('low')], values: [r.high, r.medium, r.low], colors: ['C62828', 'F9A825', '1565C0'], percent: false });
  return out;
}

/** The findings table of the PDF (partials/findings.hbs). */
export function findingsTable(d: ReportData, L: (k: string) => string): Block {
  return {
    kind: 'table',
    header: [L('number'), L('issue'), L('risk'), L('objects'), L('units_col'), L('high_risk_case')],
    widths: [10, 38, 9, 15, 14, 14],
    rows: (d.findings ?? []).map((f) => [
      f.number,
      {
        lines: [`${f.title}${f.previous ? `（${L('previous')}）` : ''}`],
        muted: [...(f.description ? [f.description] : []), ...(f.mitigation ? [`${L('mitigation')}${L('colon')}${f.mitigation.measure}`] : [])],
      },
      riskCell(L, f.effectiveRisk),
      (f.objects ?? []).join('、'),
      (f.units ?? []).join(', '),
      f.highRiskCase ? `${f.highRiskCase.id} ${f.highRiskCase.title}` : '',
    ]),
  };
}

/** Rate per control point (appendix C of the test report; the gap analysis). */
export function controlPointTable(d: ReportData, L: (k: string) => string): Block {
  return {
    kind: 'table',
    header: [L('layer'), L('control_point'), L('units'), L('counts'), L('rate')],
    widths: [10, 40, 12, 24, 14],
    rows: (d.layers ?? []).flatMap((l) => (l.controlPoints ?? []).map((c) => [l.code, c.setName ? `${c.name}（${c.setName}）` : c.name, txt(c.units), countsText(c.counts), pct(c.rate)])),
  };
}
