import { inheritanceReasonText } from '../../server/cloud/inheritance-reason.js';
import { translator } from '../../server/i18n.js';
import type { ReportData } from '../test-report/assemble.js';
import { pct, txt, type Block } from './blocks.js';
import { reportDateRange, reportDateTime, reportDay } from '../dates.js';
import { chartBlocks, conclusionBlocks, controlPointTable, countsText, findingsTable, reportLabels, statusLabel } from './report-labels.js';
import { appendixThreatBlocks, appendixVerificationBlocks, compensationBlocks, riskAnalysisBlocks, verificationBlocks } from './verification.js';

/** Chapter 7's 重大风险隐患 part: each confirmed (or remediated) hazard with its findings and the three principles. */
function hazardBlocks(d: ReportData, H: (k: string) => string): Block[] {
  const list = d.hazards?.list ?? [];
  const out: Block[] = [{ kind: 'heading', level: 2, text: `${H('chapter')}（${txt(d.hazards?.display)}）` }];
  if (!list.length) return [...out, { kind: 'paragraph', text: H('none') }];
  for (const h of list) {
    out.push(
      { kind: 'heading', level: 3, text: `${h.number} ${h.trigger} ${h.triggerTitle}（${h.statusLabel}）` },
      ...(h.description ? [{ kind: 'paragraph', text: h.description } as Block] : []),
      { kind: 'paragraph', text: `${H('findings')}：${h.findings.map((f) => `${f.number} ${f.title}`).join('；')}` },
      { kind: 'table', header: [H('principle'), H('reason')], widths: [20, 80], rows: h.principles.map((p) => [p.name, txt(p.reason)]) },
    );
  }
  return out;
}

/**
 * The test report (等级测评报告) in the structure of the PDF (templates/reports/test_report.hbs):
 * cover, basic information, conclusion page, chapters 1–8, appendices A–G and I. Chapters 4, 6
 * and 7 and appendices E, F, I come from the assessment's verification tests, compensations and
 * risk analysis; where it holds none, a marked blank says what is missing.
 */
export function testReportBlocks(d: ReportData): Block[] {
  const L = reportLabels(d.lang);
  const H = reportLabels(d.lang, 'hazard');
  const V = reportLabels(d.lang, 'verification.report');
  const sys = d.system;
  const platform = d.platform;
  const out: Block[] = [
    { kind: 'paragraph', text: `${L('report_number')}${L('colon')}${txt(d.reportNumber)}` },
    { kind: 'title', text: L('title_test_report'), subtitle: [txt(sys?.name)] },
    {
      kind: 'fields',
      rows: [
        [L('assessed_org'), txt(d.assessedOrganization?.name)],
        [L('assessing_org'), txt(d.assessingOrganization?.name)],
        [L('dates'), reportDateRange(d.assessment?.startDate, d.assessment?.endDate, d.lang)],
        [L('report_date'), reportDay(d.generatedAt, d.lang)],
      ],
    },
    { kind: 'pageBreak' },
    { kind: 'toc', title: L('toc') },
    { kind: 'pageBreak' },
    { kind: 'heading', level: 1, text: L('basic_info') },
    {
      kind: 'fields',
      rows: [
        [L('assessed_org'), { lines: [txt(d.assessedOrganization?.name), ...(d.assessedOrganization?.address ? [d.assessedOrganization.address] : [])] }],
        [L('assessing_org'), `${txt(d.assessingOrganization?.name)}（${txt(d.assessingOrganization?.code)}）`],
        [L('system'), txt(sys?.name)],
        [L('level'), `${txt(sys?.level)}（${txt(sys?.notation)}）`],
        [L('filing_certificate'), txt(sys?.filingCertificate)],
        [L('revision'), { lines: [txt(d.assessment?.revision)], muted: [`${L('generated')} ${reportDateTime(d.generatedAt, d.lang)} · ${d.generator}`] }],
      ],
    },
    ...(d.testBasis ? [{ kind: 'paragraph' as const, text: d.testBasis }] : []),
    { kind: 'heading', level: 2, text: L('declaration') },
    { kind: 'paragraph', text: L('declaration_text') },
    { kind: 'heading', level: 1, text: L('conclusion_page') },
    ...conclusionBlocks(d, L),
    ...chartBlocks(d, L),
  ];
  if ((sys?.requirementSets ?? []).includes('cloud')) {
    const inh = d.inheritance;
    out.push(
      { kind: 'heading', level: 2, text: L('extension') },
      {
        kind: 'table',
        header: [L('cloud_platform'), L('level'), L('report_number'), L('inheritance')],
        rows: [
          [
            platform ? `${platform.product}（${platform.provider}）` : '',
            txt(platform?.level),
            platform ? `${platform.reportNumber} ${platform.testDate}` : '',
            inh ? { lines: [`${L(`inheritance_${inh.state}`)}${L('colon')}${L('inherited_units')} ${inh.inheritedUnits}`], muted: inh.reason ? [inheritanceReasonText(translator(d.lang), inh.reason)] : [] } : '',
          ],
        ],
      },
    );
  }
  const findings = d.findings ?? [];
  out.push(
    { kind: 'pageBreak' },
    { kind: 'heading', level: 1, text: L('ch1') },
    { kind: 'paragraph', text: L('ch1_text') },
    { kind: 'heading', level: 1, text: L('ch2') },
    sys?.description ? { kind: 'paragraph', text: sys.description } : { kind: 'blank', text: L('placeholder') },
    { kind: 'paragraph', text: `${L('grading')}${L('colon')}${txt(sys?.notation)}　${L('assessment_progress')}${L('colon')}${d.progress?.assessed ?? 0} / ${d.progress?.total ?? 0}` },
    { kind: 'heading', level: 1, text: L('ch3') },
    { kind: 'table', header: [L('layer'), L('units'), L('counts'), L('rate')], widths: [40, 15, 30, 15], rows: (d.layers ?? []).map((l) => [`${l.code} ${l.name}`, txt(l.units), countsText(l.counts), pct(l.rate)]) },
    { kind: 'heading', level: 1, text: L('ch4') },
    ...verificationBlocks(d, L, V),
    { kind: 'heading', level: 1, text: L('ch5') },
    findingsTable(d, L),
    { kind: 'heading', level: 1, text: L('ch6') },
    ...compensationBlocks(d, L, V),
    { kind: 'heading', level: 1, text: L('ch7') },
    ...riskAnalysisBlocks(d, V),
    ...hazardBlocks(d, H),
  );
  out.push(
    { kind: 'heading', level: 1, text: L('ch8') },
    ...conclusionBlocks(d, L),
    { kind: 'table', header: [L('number'), L('recommendation')], widths: [12, 88], rows: findings.map((f) => [f.number, txt(f.recommendation)]) },
    { kind: 'pageBreak' },
    { kind: 'heading', level: 1, text: L('app_a') },
  );
  for (const g of d.objectsByCategory ?? []) {
    out.push({ kind: 'heading', level: 2, text: g.label }, { kind: 'table', header: [L('name'), L('ip'), L('model'), L('importance')], rows: g.objects.map((o) => [o.name, txt(o.ip), `${txt(o.model)} ${txt(o.version)}`.trim(), txt(o.importance)]) });
  }
  const previous = findings.filter((f) => f.previous);
  out.push(
    { kind: 'heading', level: 1, text: L('app_b') },
    previous.length ? { kind: 'table', header: [L('number'), L('issue'), L('status')], rows: previous.map((f) => [f.number, f.title, statusLabel(L, f)]) } : { kind: 'paragraph', text: L('no_previous') },
    { kind: 'heading', level: 1, text: L('app_c') },
    controlPointTable(d, L),
    { kind: 'heading', level: 1, text: L('app_d') },
  );
  for (const r of d.records ?? []) {
    out.push(
      { kind: 'heading', level: 2, text: r.object },
      {
        kind: 'table',
        header: [L('code'), L('control_point'), L('requirement'), L('record'), L('result')],
        widths: [12, 14, 34, 26, 14],
        rows: r.rows.map((x) => [x.code, x.controlPoint, x.text, txt(x.record), x.inherited ? `${x.value}（${L('inherited')}）` : x.value]),
      },
    );
  }
  out.push(
    ...appendixVerificationBlocks(d, L, V),
    { kind: 'heading', level: 1, text: L('app_g') },
    { kind: 'heading', level: 2, text: H('trigger_table') },
    {
      kind: 'table',
      header: [H('trigger_code'), L('layer'), L('control_point'), H('trigger_title'), H('conditions'), H('fired')],
      widths: [8, 10, 14, 28, 30, 10],
      rows: (d.triggers ?? []).map((t) => [t.code, t.layer, txt(t.controlPoint), t.requirement ? `${t.title}\n${t.requirement}` : t.title, t.conditions.join('；'), t.fired.join('、')]),
    },
    { kind: 'paragraph', muted: true, text: H('trigger_source') },
    { kind: 'heading', level: 2, text: H('high_risk_cases') },
    { kind: 'table', header: [L('high_risk_case'), L('scope'), L('units_col')], widths: [50, 20, 30], rows: (d.highRiskCases ?? []).map((c) => [`${c.id} ${c.title}`, c.scope, (c.units ?? []).join(', ')]) },
    ...appendixThreatBlocks(d, L, V),
  );
  return out;
}
