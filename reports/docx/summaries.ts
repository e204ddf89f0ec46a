import type { ReportData } from '../test-report/assemble.js';
import { txt, type Block } from './blocks.js';
import { reportDateTime } from '../dates.js';
import { chartBlocks, conclusionBlocks, controlPointTable, findingsTable, reportLabels, riskCell, statusLabel } from './report-labels.js';

interface Recommendation {
  category: { id: string; name: string };
  closes: Array<{ unit: string; coverage: string }>;
  products: Array<{ vendor: string; name: string }>;
}

/** 测评结论摘要: as executive_summary.hbs. */
export function executiveSummaryBlocks(d: ReportData): Block[] {
  const L = reportLabels(d.lang);
  return [
    { kind: 'title', text: L('title_executive_summary') },
    { kind: 'paragraph', text: `${L('report_number')}${L('colon')}${txt(d.reportNumber)}　${txt(d.system?.name)}（${txt(d.system?.notation)}）　${txt(d.assessedOrganization?.name)}` },
    { kind: 'heading', level: 1, text: L('conclusion') },
    ...conclusionBlocks(d, L),
    ...chartBlocks(d, L),
    { kind: 'heading', level: 1, text: L('issue') },
    findingsTable(d, L),
  ];
}

/** 差距分析报告: as gap_analysis.hbs, with the product recommendations the job passes in. */
export function gapAnalysisBlocks(d: ReportData, extra: Record<string, unknown>): Block[] {
  const L = reportLabels(d.lang);
  const recs = (Array.isArray(extra.recommendations) ? extra.recommendations : []) as Recommendation[];
  const out: Block[] = [
    { kind: 'title', text: L('title_gap_analysis') },
    { kind: 'paragraph', text: `${txt(d.system?.name)}（${txt(d.system?.notation)}）　${txt(d.assessedOrganization?.name)}` },
    { kind: 'heading', level: 1, text: L('conclusion') },
    ...conclusionBlocks(d, L),
    { kind: 'heading', level: 1, text: L('by_layer') },
    ...chartBlocks(d, L).slice(0, 1),
    controlPointTable(d, L),
    { kind: 'heading', level: 1, text: L('gaps') },
    { kind: 'paragraph', text: L('gap_text') },
    { kind: 'table', header: [L('code'), L('control_point'), L('requirement'), L('result')], widths: [14, 18, 52, 16], rows: (d.gaps ?? []).map((g) => [g.code, g.controlPoint, g.text, g.value]) },
    { kind: 'heading', level: 1, text: L('recommendations') },
  ];
  for (const r of recs) {
    out.push(
      { kind: 'heading', level: 2, text: r.category.name },
      { kind: 'paragraph', muted: true, text: r.products.map((p) => `${p.name}（${p.vendor}）`).join('　') },
      { kind: 'paragraph', text: r.closes.map((c) => `${c.unit}（${c.coverage}）`).join(' ') },
    );
  }
  return out;
}

/** 整改计划: as remediation_plan.hbs. */
export function remediationPlanBlocks(d: ReportData): Block[] {
  const L = reportLabels(d.lang);
  return [
    { kind: 'title', text: L('title_remediation_plan') },
    { kind: 'paragraph', text: `${L('report_number')}${L('colon')}${txt(d.reportNumber)}　${txt(d.system?.name)}　${L('generated')} ${reportDateTime(d.generatedAt, d.lang)}` },
    {
      kind: 'table',
      header: [L('number'), L('issue'), L('risk'), L('owner'), L('due'), L('status'), L('recommendation')],
      widths: [8, 24, 9, 11, 12, 10, 26],
      rows: (d.findings ?? []).map((f) => [
        f.number,
        f.title,
        riskCell(L, f.effectiveRisk),
        txt(f.remediation?.owner),
        f.remediation?.overdue ? { lines: [txt(f.remediation.dueDate)], muted: [L('overdue')] } : txt(f.remediation?.dueDate),
        statusLabel(L, f),
        txt(f.recommendation),
      ]),
    },
  ];
}
