import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { reportDate, reportDateRange, reportDateTime, reportDay } from './dates.js';
import { inheritanceReasonText } from '../server/cloud/inheritance-reason.js';
import { translator } from '../server/i18n.js';
import { projectRoot } from '../server/version.js';
import type { ReportData } from './test-report/assemble.js';

const esc = Handlebars.escapeExpression;
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);

/** Horizontal bars of a rate per label, as inline SVG (labels escaped). */
export function barChartSvg(rows: Array<{ label: string; rate: number | null }>, width = 520): string {
  const rowH = 22;
  const labelW = 150;
  const h = rows.length * rowH + 10;
  const bars = rows
    .map((r, i) => {
      const y = 5 + i * rowH;
      const w = Math.round((width - labelW - 60) * (r.rate ?? 0));
      const color = r.rate === null ? '#bbb' : r.rate >= 0.9 ? '#2e7d32' : r.rate >= 0.6 ? '#f9a825' : '#c62828';
      return `<text x="0" y="${y + 14}" font-size="11">${esc(r.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="14" fill="${color}"/><text x="${labelW + w + 6}" y="${y + 14}" font-size="11">${esc(pct(r.rate))}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img">${bars}</svg>`;
}

/** Findings by risk as an inline SVG column chart. */
export function riskChartSvg(counts: { high: number; medium: number; low: number }, labels: { high: string; medium: string; low: string }): string {
  const max = Math.max(1, counts.high, counts.medium, counts.low);
  const cols = (['high', 'medium', 'low'] as const)
    .map((k, i) => {
      const h = Math.round((counts[k] / max) * 100);
      const x = 20 + i * 90;
      const color = { high: '#c62828', medium: '#f9a825', low: '#1565c0' }[k];
      return `<rect x="${x}" y="${120 - h}" width="50" height="${h}" fill="${color}"/><text x="${x + 25}" y="${115 - h}" font-size="12" text-anchor="middle">${counts[k]}</text><text x="${x + 25}" y="138" font-size="11" text-anchor="middle">${esc(labels[k])}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="145" viewBox="0 0 300 145" role="img">${cols}</svg>`;
}

let compiled: Map<string, HandlebarsTemplateDelegate> | undefined;
function templates(): Map<string, HandlebarsTemplateDelegate> {
  if (compiled) return compiled;
  const dir = path.join(projectRoot(), 'templates', 'reports');
  const hb = Handlebars.create();
  for (const f of readdirSync(path.join(dir, 'partials'))) hb.registerPartial(f.replace(/\.hbs$/, ''), readFileSync(path.join(dir, 'partials', f), 'utf8'));
  hb.registerHelper('pct', (x: number | null) => pct(x));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('or', (...xs: unknown[]) => xs.slice(0, -1).some(Boolean));
  hb.registerHelper('join', (xs: string[], sep: string) => (Array.isArray(xs) ? xs.join(typeof sep === 'string' ? sep : '、') : ''));
  compiled = new Map(readdirSync(dir).filter((f) => f.endsWith('.hbs')).map((f) => [f.replace(/\.hbs$/, ''), hb.compile(readFileSync(path.join(dir, f), 'utf8'), { strict: false })]));
  return compiled;
}

/**
 * The "render" step: report data → one self-contained HTML page (inline CSS and SVG; nothing is
 * loaded from the network). User text is always escaped ({{ }}); only our own SVG uses {{{ }}}.
 */
export function renderReport(data: ReportData, extra: Record<string, unknown> = {}): string {
  const t = translator(data.lang);
  const labels = t('report', { returnObjects: true }) as Record<string, string>;
  const status = (s: string) => labels[`remediation_status_${s}`] ?? s;
  const view = {
    ...data,
    ...extra,
    L: labels,
    H: t('hazard', { returnObjects: true }) as Record<string, string>,
    V: t('verification.report', { returnObjects: true }) as Record<string, string>,
    title: labels[`title_${data.type}`],
    css: readFileSync(path.join(projectRoot(), 'templates', 'reports', 'report.css'), 'utf8'),
    layerChart: barChartSvg(data.layers.map((l) => ({ label: `${l.code} ${l.name}`, rate: l.rate }))),
    riskChart: riskChartSvg(data.risks, { high: labels.high!, medium: labels.medium!, low: labels.low! }),
    findings: data.findings.map((f) => ({ ...f, riskLabel: labels[f.effectiveRisk], statusLabel: f.remediation ? status(f.remediation.status) : '' })),
    previousIssues: data.findings.filter((f) => f.previous).map((f) => ({ ...f, statusLabel: f.remediation ? status(f.remediation.status) : '' })),
    rate: pct(data.conclusion.value),
    isCloud: data.system.requirementSets.includes('cloud'),
    inheritanceLabel: data.inheritance ? (labels[`inheritance_${data.inheritance.state}`] ?? data.inheritance.state) : '',
    inheritanceReason: inheritanceReasonText(t, data.inheritance?.reason),
    // Dates in the report's language; the timestamp in China time (no raw ISO anywhere in a report).
    generatedAt: reportDateTime(data.generatedAt, data.lang),
    reportDate: reportDay(data.generatedAt, data.lang),
    testDates: reportDateRange(data.assessment?.startDate, data.assessment?.endDate, data.lang),
    platformTestDate: reportDate((data as { platform?: { testDate?: string | null } }).platform?.testDate, data.lang),
    records: recordsWithSharedText(data.records),
  };
  const tpl = templates().get(data.type);
  if (!tpl) throw new Error(`no template for report type ${data.type}`);
  return tpl(view);
}

/**
 * Appendix D's records with a text said once per control point: consecutive rows of one object and
 * one control point with the same inherited record (the platform conclusion's sentence) share one
 * cell (rowspan) instead of repeating it on every row.
 */
export function recordsWithSharedText<R extends { controlPoint: string; record: string | null; inherited: boolean }>(records: Array<{ object: string; rows: R[] }> | undefined) {
  return (records ?? []).map((group) => {
    const rows: Array<R & { recordSpan: number }> = group.rows.map((r) => ({ ...r, recordSpan: 1 }));
    for (let i = 0; i < rows.length; ) {
      let j = i + 1;
      while (j < rows.length && rows[i]!.inherited && rows[j]!.inherited && rows[j]!.controlPoint === rows[i]!.controlPoint && rows[j]!.record === rows[i]!.record) j++;
      rows[i]!.recordSpan = j - i;
      for (let k = i + 1; k < j; k++) rows[k]!.recordSpan = 0;
      i = j;
    }
    return { ...group, rows };
  });
}
