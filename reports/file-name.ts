/**
 * A report's download name: the report number (or the assessment id before one is given) and the
 * report's name in its language — `33010043001-25001-26-0123-01-等级测评报告.pdf`,
 * `…-test-report.pdf`. Browsers get the UTF-8 name (RFC 5987 `filename*`) and an ASCII fallback.
 */
const NAMES: Record<string, { zh: string; en: string }> = {
  test_report: { zh: '等级测评报告', en: 'test-report' },
  gap_analysis: { zh: '差距分析报告', en: 'gap-analysis' },
  remediation_plan: { zh: '整改计划', en: 'remediation-plan' },
  executive_summary: { zh: '测评摘要', en: 'executive-summary' },
};

export function reportFileBase(reportNumber: string | null | undefined, assessmentId: string, type: string, lang: string): string {
  const name = NAMES[type] ?? { zh: type, en: type };
  return `${reportNumber ?? assessmentId}-${lang === 'zh-CN' ? name.zh : name.en}`;
}

/** The ASCII name for clients without RFC 5987: the Chinese report name replaced by its English one. */
export function asciiFileName(fileName: string): string {
  let out = fileName;
  for (const n of Object.values(NAMES)) out = out.replace(n.zh, n.en);
  return out.replace(/[^\x20-\x7e]/g, '_');
}
