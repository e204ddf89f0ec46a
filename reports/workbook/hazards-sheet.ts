import type ExcelJS from 'exceljs';
import type { HazardView } from '../../server/assessments/hazards.js';
import type { Lang } from './layout.js';

/**
 * The sheet of 重大风险隐患 at the end of the record workbook: one row per hazard (number, trigger,
 * status and dates, the findings it rests on, the three principles' reasons, description). It is
 * for reading; the import skips it (hazards are recorded in dengbao, not from a workbook).
 */
export const HAZARDS_SHEET: Record<Lang, string> = { 'zh-CN': '重大风险隐患', en: 'Major risk hazards' };
export const isHazardsSheet = (name: string): boolean => Object.values(HAZARDS_SHEET).some((n) => name.trim() === n || name.trim() === `${n} (Z)`);

const HEADERS: Record<Lang, string[]> = {
  'zh-CN': ['编号', '触发项', '触发项名称', '状态', '发现日期', '确认日期', '整改日期', '所依据的安全问题', '相关性', '严重性', '高发性', '描述'],
  en: ['Number', 'Trigger', 'Trigger title', 'Status', 'Found', 'Confirmed', 'Remediated', 'Findings', 'Relevance', 'Severity', 'Prevalence', 'Description'],
};
const STATUS: Record<Lang, Record<string, string>> = {
  'zh-CN': { suspected: '疑似', confirmed: '已确认', remediated: '已整改' },
  en: { suspected: 'Suspected', confirmed: 'Confirmed', remediated: 'Remediated' },
};
const WIDTHS = [8, 8, 30, 10, 12, 12, 12, 36, 36, 36, 36, 40];

export function addHazardsSheet(wb: ExcelJS.Workbook, hazards: readonly HazardView[], lang: Lang, setText: (cell: ExcelJS.Cell, text: string | null) => void): void {
  // An assessed object may (unluckily) carry the same name: never fail the export for it.
  const name = wb.getWorksheet(HAZARDS_SHEET[lang]) ? `${HAZARDS_SHEET[lang]} (Z)` : HAZARDS_SHEET[lang];
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
  WIDTHS.forEach((w, i) => (ws.getColumn(i + 1).width = w));
  const header = ws.getRow(1);
  HEADERS[lang].forEach((h, i) => {
    const cell = header.getCell(i + 1);
    cell.value = h;
    cell.font = { bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
  });
  hazards.forEach((h, i) => {
    const row = ws.getRow(i + 2);
    const values = [
      h.number,
      h.trigger.code,
      lang === 'en' ? h.trigger.title.en : h.trigger.title.zh,
      STATUS[lang][h.status]!,
      h.dates.suspected,
      h.dates.confirmed,
      h.dates.remediated,
      h.findings.map((f) => `${f.number} ${f.title}`).join('\n'),
      h.principles.relevance,
      h.principles.severity,
      h.principles.prevalence,
      h.description,
    ];
    values.forEach((v, c) => {
      const cell = row.getCell(c + 1);
      setText(cell, v);
      cell.alignment = { vertical: 'top', wrapText: true };
    });
  });
}
