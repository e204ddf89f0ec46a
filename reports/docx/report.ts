import type { ReportData } from '../test-report/assemble.js';
import type { Block } from './blocks.js';
import { reportLabels } from './report-labels.js';
import { executiveSummaryBlocks, gapAnalysisBlocks, remediationPlanBlocks } from './summaries.js';
import { testReportBlocks } from './test-report.js';
import { writeDocx } from './writer.js';

/** The blocks of a report type, from the same assembled data as the PDF. */
export function reportBlocks(data: ReportData, extra: Record<string, unknown> = {}): Block[] {
  switch (data.type) {
    case 'test_report':
      return testReportBlocks(data);
    case 'gap_analysis':
      return gapAnalysisBlocks(data, extra);
    case 'remediation_plan':
      return remediationPlanBlocks(data);
    case 'executive_summary':
      return executiveSummaryBlocks(data);
    default:
      throw new Error(`no Word layout for report type ${String(data.type)}`);
  }
}

/** A report as an editable Word document (dengbao's own layout). */
export function renderReportDocx(data: ReportData, extra: Record<string, unknown> = {}): Promise<Buffer> {
  const L = reportLabels(data.lang);
  return writeDocx({
    lang: data.lang,
    headerText: `${data.reportNumber ?? ''} ${data.system?.name ?? ''}`.trim(),
    title: `${L(`title_${data.type}`)} ${data.reportNumber ?? ''}`.trim(),
    blocks: reportBlocks(data, extra),
  });
}
