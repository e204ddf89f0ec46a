import type ExcelJS from 'exceljs';
import type { ChangedItem, MatchItem, ProblemItem } from './diff-types.js';
import type { ParsedSheet } from './import.js';
import { COL, HEADERS, parseResultLabel, RESULT_FILLS, RESULT_LABELS, type Lang, type ResultValue } from './layout.js';
import { normaliseRecord } from './text.js';

/**
 * The assessment's additional items (X-…, server/assessments/extra-items.ts) on a sheet of their
 * own in the record workbook, in the layer sheets' columns: A/B "补充测评项", C the title and
 * requirement, D record, E result, F the X- code, G "system". On import, rows whose F holds an
 * X- code (on whatever sheet) are compared with the items by code and their result and record
 * written back. Extra items carry no row version: the newest import wins, as for the form.
 */
export const EXTRA_SHEET: Record<Lang, string> = { 'zh-CN': '补充测评项', en: 'Additional items' };
export const EXTRA_CODE = /^X-[A-Za-z0-9][A-Za-z0-9.-]{0,36}$/;

export interface WorkbookExtraItem {
  code: string;
  title: string;
  requirement: string | null;
  source: string | null;
  value: ResultValue | null;
  record: string | null;
}
export interface ExtraInput {
  code: string;
  value: Exclude<ResultValue, 'not_assessed'> | null;
  record: string | null;
}

type SetText = (cell: ExcelJS.Cell, text: string | null | undefined) => void;

export function addExtraSheet(wb: ExcelJS.Workbook, items: readonly WorkbookExtraItem[], lang: Lang, setText: SetText): void {
  if (!items.length) return;
  const name = wb.getWorksheet(EXTRA_SHEET[lang]) ? `${EXTRA_SHEET[lang]} (X)` : EXTRA_SHEET[lang];
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
  const h = HEADERS[lang];
  const widths: Record<number, number> = { [COL.set]: 14, [COL.controlPoint]: 16, [COL.text]: 50, [COL.record]: 60, [COL.result]: 14, [COL.code]: 16, [COL.objectId]: 10, [COL.rowVersion]: 8 };
  for (const [c, w] of Object.entries(widths)) ws.getColumn(Number(c)).width = w;
  for (const c of [COL.code, COL.objectId, COL.rowVersion]) ws.getColumn(c).hidden = true;
  const header: Array<[number, string]> = [[COL.set, h.set], [COL.controlPoint, h.controlPoint], [COL.text, h.text], [COL.record, h.record], [COL.result, h.result], [COL.code, h.code], [COL.objectId, h.objectId], [COL.rowVersion, h.rowVersion]];
  for (const [c, text] of header) {
    const cell = ws.getRow(1).getCell(c);
    cell.value = text;
    cell.font = { bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
  }
  const labels = RESULT_LABELS[lang];
  const set = lang === 'en' ? 'Additional items' : '补充测评项';
  items.forEach((x, i) => {
    const row = ws.getRow(i + 2);
    setText(row.getCell(COL.set), set);
    setText(row.getCell(COL.controlPoint), x.source ?? set);
    setText(row.getCell(COL.text), x.requirement ? `${x.title}\n${x.requirement}` : x.title);
    setText(row.getCell(COL.record), x.record);
    const value = x.value && x.value !== 'not_assessed' ? x.value : null;
    setText(row.getCell(COL.result), value ? labels[value] : null);
    if (value) row.getCell(COL.result).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: RESULT_FILLS[value] } };
    setText(row.getCell(COL.code), x.code);
    setText(row.getCell(COL.objectId), 'system');
    for (let c = 1; c <= COL.result; c++) row.getCell(c).alignment = { vertical: 'top', wrapText: true };
  });
}

/** Compares the X- rows of the parsed sheets with the assessment's additional items. */
export function diffExtraRows(sheets: readonly ParsedSheet[], items: readonly WorkbookExtraItem[]) {
  const byCode = new Map(items.map((x) => [x.code, x]));
  const changed: ChangedItem[] = [];
  const problems: ProblemItem[] = [];
  const matches: MatchItem[] = [];
  const inputs: ExtraInput[] = [];
  const seen = new Map<string, { sheet: string; row: number; value: ResultValue; record: string | null }>();
  let unchanged = 0;
  let rows = 0;
  for (const sheet of sheets) {
    for (const r of sheet.rows) {
      if (!EXTRA_CODE.test(r.code)) continue;
      rows++;
      const at = { sheet: sheet.name, row: r.row };
      const item = byCode.get(r.code);
      if (!item) {
        problems.push({ ...at, column: 'F', code: 'out_of_scope', value: r.code, message: `additional item ${r.code} is not in this assessment` });
        continue;
      }
      const parsed = parseResultLabel(r.result);
      if (parsed === undefined) {
        problems.push({ ...at, column: r.resultColumn, code: 'invalid_result', value: r.result, message: `unknown result "${r.result}": one of 符合 / 部分符合 / 不符合 / 不适用 (or empty for not assessed)` });
        continue;
      }
      const record = normaliseRecord(r.record.replace(/\u0000/g, ''));
      const previous = seen.get(r.code);
      if (previous) {
        if (previous.value !== parsed || previous.record !== record) problems.push({ ...at, column: null, code: 'duplicate_row', message: `gives ${r.code} again, differently from ${previous.sheet}!${previous.row}` });
        continue;
      }
      seen.set(r.code, { ...at, value: parsed, record });
      matches.push({ ...at, code: r.code, objectId: null, matchedBy: 'machine_columns', similarity: null, outsideDefaultMapping: false });
      const from = { value: (item.value ?? 'not_assessed') as ResultValue, record: item.record };
      if (from.value === parsed && normaliseRecord(from.record) === record) {
        unchanged++;
        continue;
      }
      changed.push({ ...at, code: r.code, objectId: null, objectName: null, controlPoint: item.source ?? '', matchedBy: 'machine_columns', similarity: null, outsideDefaultMapping: false, from, to: { value: parsed, record }, rowVersion: 0 });
      inputs.push({ code: r.code, value: parsed === 'not_assessed' ? null : parsed, record });
    }
  }
  return { changed, problems, matches, inputs, unchanged, rows };
}
