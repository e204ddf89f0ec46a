import type { ReportData } from '../test-report/assemble.js';
import { txt, type Block, type Cell } from './blocks.js';
import { riskCell } from './report-labels.js';

/**
 * Chapters 4, 6 and 7 and appendices E, F and I of the Word test report, from the same assembled
 * sections as the PDF (templates/reports/partials/verification.hbs, compensations.hbs,
 * risk-analysis.hbs, appendix-verification.hbs, appendix-threats.hbs). A marked blank appears only
 * where the assessment holds nothing, and it says what is missing.
 */
type Labels = (k: string) => string;
const blank = (text: string): Block => ({ kind: 'blank', text });
const risk = (L: Labels, code: string, label: string): Cell => riskCell(L, code, label);

/** 4 验证测试: 4.1 scans (per scan, per object), 4.2 pen-test cases. */
export function verificationBlocks(d: ReportData, L: Labels, V: Labels): Block[] {
  const v = d.verification;
  if (!v || (!v.scans.length && !v.pentests.length)) return [blank(V('no_verification'))];
  const out: Block[] = [{ kind: 'heading', level: 2, text: V('scan_title') }];
  if (v.scans.length) {
    out.push(
      {
        kind: 'table',
        header: [V('scan_number'), V('scanner'), V('scanned_at'), V('file'), L('high'), L('medium'), L('low'), V('unmatched')],
        widths: [8, 16, 14, 22, 7, 7, 7, 19],
        rows: v.scans.map((s) => [
          s.number,
          `${s.scanner} ${txt(s.version)}`.trim(),
          txt(s.scannedAt),
          { lines: [s.fileName], muted: [`SHA-256 ${s.hash}…`] },
          txt(s.counts.high),
          txt(s.counts.medium),
          txt(s.counts.low),
          s.unmatchedHosts.join('、'),
        ]),
      },
      { kind: 'heading', level: 3, text: V('by_object') },
      {
        kind: 'table',
        header: [L('objects'), L('high'), L('medium'), L('low'), V('total')],
        widths: [44, 14, 14, 14, 14],
        rows: [
          ...v.byObject.map((o) => [o.name, txt(o.high), txt(o.medium), txt(o.low), txt(o.total)]),
          [{ text: V('total'), bold: true }, { text: txt(v.totals.high), bold: true }, { text: txt(v.totals.medium), bold: true }, { text: txt(v.totals.low), bold: true }, { text: txt(v.totals.total), bold: true }],
        ],
      },
      { kind: 'paragraph', muted: true, text: V('severity_note') },
    );
  } else out.push(blank(V('no_scans')));
  out.push({ kind: 'heading', level: 2, text: V('pentest_title') });
  out.push(
    v.pentests.length
      ? {
          kind: 'table',
          header: [V('case'), V('target'), V('method'), V('result'), L('risk'), V('finding')],
          widths: [8, 20, 22, 32, 8, 10],
          rows: v.pentests.map((p) => [p.number, p.target, p.method, p.result, risk(L, p.risk, p.riskLabel), txt(p.finding)]),
        }
      : blank(V('no_pentests')),
  );
  return out;
}

/** 6 整体测评: each compensation with the recorded results unchanged and the risk change beside them. */
export function compensationBlocks(d: ReportData, L: Labels, V: Labels): Block[] {
  const list = d.compensations ?? [];
  if (!list.length) return [blank(V('no_compensations'))];
  return [
    { kind: 'paragraph', text: V('compensation_intro') },
    {
      kind: 'table',
      header: [V('comp_number'), V('comp_kind'), V('measure'), V('reasoning'), V('affected')],
      widths: [7, 11, 24, 24, 34],
      rows: list.map((c) => [
        c.number,
        c.kindLabel,
        c.measure,
        c.reasoning,
        {
          lines: [
            ...c.effects.map((e) => `${e.unit} ${e.controlPoint}${L('colon')}${V('recorded')} ${e.recorded}; ${V('risk_change')} ${e.before} → ${e.after}`),
            ...c.findings.map((f) => `${f.number} ${f.title}${L('colon')}${f.before} → ${f.after}`),
          ],
        },
      ]),
    },
  ];
}

/** 7 安全问题风险分析: each finding with its assets, threats, harm, likelihood × impact → risk, override and risk after compensation. */
export function riskAnalysisBlocks(d: ReportData, V: Labels): Block[] {
  const list = d.riskAnalysis ?? [];
  if (!list.length) return [blank(V('no_findings'))];
  const missing = () => ({ text: V('not_analysed'), fill: 'FFF59D' });
  const out: Block[] = [];
  for (const r of list) {
    const threats = r.threats.map((t) => `${t.code} ${t.name}`).join('、');
    const riskLines = [`${r.risk}${r.overrideReason ? `（${V('override')}：${r.overrideReason}）` : ''}${r.riskAfter ? `；${V('after_compensation')} ${r.riskAfter}` : ''}`];
    out.push(
      { kind: 'heading', level: 2, text: `${r.number} ${r.title}` },
      {
        kind: 'fields',
        rows: [
          [V('assets'), r.assets.join('、')],
          [V('threats'), threats || r.threatText ? { lines: [threats, ...(r.threatText ? [r.threatText] : [])].filter(Boolean) } : missing()],
          [V('harm'), r.harm ? r.harm : missing()],
          [V('likelihood_impact'), r.matrixRisk ? `${V('likelihood')} ${r.likelihood} × ${V('impact')} ${r.impact} → ${r.matrixRisk}` : missing()],
          [V('risk_level'), { lines: riskLines }],
        ],
      },
    );
  }
  return out;
}

/** 附录E 漏洞扫描结果记录 and 附录F 渗透测试结果记录. */
export function appendixVerificationBlocks(d: ReportData, L: Labels, V: Labels): Block[] {
  const v = d.verification;
  const out: Block[] = [{ kind: 'heading', level: 1, text: L('app_e') }];
  out.push(
    v?.vulnerabilities.length
      ? {
          kind: 'table',
          header: [V('scan_number'), V('target'), V('port'), V('vuln'), 'CVE', L('risk'), V('solution'), V('finding')],
          widths: [7, 15, 9, 20, 13, 7, 20, 9],
          rows: v.vulnerabilities.map((x) => [x.scan, x.target, txt(x.port), { lines: [x.title], muted: x.pluginId ? [x.pluginId] : [] }, x.cves.join(', '), risk(L, x.risk, x.riskLabel), txt(x.solution), txt(x.finding)]),
        }
      : blank(V('no_scans')),
    { kind: 'heading', level: 1, text: L('app_f') },
  );
  if (!v?.pentests.length) return [...out, blank(V('no_pentests'))];
  for (const p of v.pentests) {
    out.push(
      { kind: 'heading', level: 2, text: `${p.number} ${p.target}` },
      {
        kind: 'fields',
        rows: [
          [V('case'), `${p.number}${p.testedAt ? `　${p.testedAt}` : ''}`],
          [V('target'), p.target],
          [V('entry_point'), txt(p.entryPoint)],
          [V('method'), p.method],
          [V('steps'), txt(p.steps)],
          [V('result'), p.result],
          [L('risk'), risk(L, p.risk, `${p.riskLabel}${p.finding ? `（${V('finding')} ${p.finding}）` : ''}`)],
          [V('evidence'), p.evidence.join('、')],
        ],
      },
    );
  }
  return out;
}

/** 附录I 威胁列表: the threats the findings name, with the catalogue's and the matrix's sources. */
export function appendixThreatBlocks(d: ReportData, L: Labels, V: Labels): Block[] {
  const t = d.threats;
  return [
    { kind: 'heading', level: 1, text: L('app_i') },
    t?.list.length
      ? { kind: 'table', header: [V('threat_code'), V('threat_class'), V('threat_description'), V('exposed_by')], widths: [10, 18, 52, 20], rows: t.list.map((x) => [x.code, x.name, x.description, x.findings.join('、')]) }
      : blank(V('no_threats')),
    { kind: 'paragraph', muted: true, text: `${V('threat_source')}${L('colon')}${txt(t?.source)}` },
    { kind: 'paragraph', muted: true, text: `${V('matrix_source')}${L('colon')}${txt(t?.matrixSource)}${t?.matrixVerified ? '' : `（${V('unverified')}）`}` },
  ];
}
