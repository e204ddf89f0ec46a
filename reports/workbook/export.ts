import type ExcelJS from 'exceljs';
import { lazy } from '../../server/lazy.js';
import { OBJECT_CATEGORIES, type LayerCode } from '../../server/catalogue/schema.js';
import type { WorkbookData, WorkbookObject, WorkbookResult, WorkbookUnit } from './data.js';
import { COL, HEADERS, LAYER_SHEETS, LISTS_SHEET, RESULT_FILLS, RESULT_LABELS, SET_LABELS, type Lang } from './layout.js';
import { uniqueSheetName } from './text.js';
import { addHazardsSheet } from './hazards-sheet.js';
import { addExtraSheet } from './extra-sheet.js';

const excel = lazy<typeof ExcelJS>('exceljs');

export type { WorkbookData } from './data.js';
export { assembleWorkbookData } from './data.js';

export interface PlannedRow {
  unit: WorkbookUnit;
  result: WorkbookResult;
  object?: WorkbookObject;
}

export interface PlannedSheet {
  name: string;
  /** object: a 安全计算环境 sheet of one assessed object; layer: a whole-system layer sheet. */
  kind: 'object' | 'layer';
  layer: LayerCode;
  object?: WorkbookObject;
  rows: PlannedRow[];
}

const BEFORE_OBJECTS: LayerCode[] = ['PES', 'CNS', 'ABS', 'CES'];
const AFTER_OBJECTS: LayerCode[] = ['SMC', 'PSS', 'ORS', 'HRS', 'CMS', 'MMS'];

/**
 * Which row goes on which sheet. 安全计算环境 results of an object go on that object's sheet;
 * every other result goes on its layer's sheet — including per-object results of other layers
 * (PES per machine room, SMC per management platform), which name their object in column I.
 * Sheet order: 中心机房, 安全通信网络, 系统边界, [安全计算环境 whole-system rows], object sheets
 * (by category, then name), 安全管理中心, management layers. Rows in standard unit order, then by
 * object name. Names follow Excel's rules and are unique (layer names keep theirs).
 */
export function planSheets(data: WorkbookData, lang: Lang): PlannedSheet[] {
  const unitOrder = new Map(data.units.map((u, i) => [u.code, i]));
  const unitByCode = new Map(data.units.map((u) => [u.code, u]));
  const objectById = new Map(data.objects.map((o) => [o.id, o]));
  const categoryOrder = (c: string) => {
    const i = (OBJECT_CATEGORIES as readonly string[]).indexOf(c);
    return i < 0 ? OBJECT_CATEGORIES.length : i;
  };
  const rows: PlannedRow[] = data.results
    .filter((r) => unitByCode.has(r.code))
    .map((r) => ({ unit: unitByCode.get(r.code)!, result: r, object: r.objectId ? objectById.get(r.objectId) : undefined }))
    .sort((x, y) => unitOrder.get(x.unit.code)! - unitOrder.get(y.unit.code)! || (x.object?.name ?? '').localeCompare(y.object?.name ?? ''));

  const taken = new Set<string>([LISTS_SHEET.toLowerCase()]);
  const layerSheets = new Map<LayerCode, PlannedSheet>();
  for (const layer of [...BEFORE_OBJECTS, ...AFTER_OBJECTS]) {
    layerSheets.set(layer, { name: uniqueSheetName(LAYER_SHEETS[lang][layer], taken), kind: 'layer', layer, rows: [] });
  }
  const objectSheets = new Map<string, PlannedSheet>();
  const objects = [...data.objects].sort((a, b) => categoryOrder(a.category) - categoryOrder(b.category) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const onObjectSheet = (r: PlannedRow) => r.unit.layer === 'CES' && !!r.object;
  const withObjectRows = new Set(rows.filter(onObjectSheet).map((r) => r.object!.id));
  for (const o of objects) {
    if (!withObjectRows.has(o.id)) continue;
    objectSheets.set(o.id, { name: uniqueSheetName(o.name, taken, lang === 'en' ? 'Object' : '测评对象'), kind: 'object', layer: 'CES', object: o, rows: [] });
  }
  for (const r of rows) (onObjectSheet(r) ? objectSheets.get(r.object!.id)! : layerSheets.get(r.unit.layer)!).rows.push(r);
  return [
    ...BEFORE_OBJECTS.map((l) => layerSheets.get(l)!),
    ...objectSheets.values(),
    ...AFTER_OBJECTS.map((l) => layerSheets.get(l)!),
  ].filter((s) => s.rows.length > 0);
}

const WIDTHS: Record<number, number> = { [COL.set]: 14, [COL.controlPoint]: 16, [COL.text]: 50, [COL.record]: 60, [COL.result]: 14, [COL.code]: 12, [COL.objectId]: 38, [COL.rowVersion]: 8, [COL.object]: 26 };
const THIN = { style: 'thin' as const, color: { argb: 'FFBFBFBF' } };
const BORDER: Partial<ExcelJS.Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/**
 * OOXML's escape for characters XML cannot carry in a string item: CR (an XML reader turns it
 * into LF) and other control characters (ExcelJS would drop them) become _xHHHH_, and a literal
 * "_xHHHH_" in the text is protected as "_x005F_xHHHH_" — what Excel writes, and what Excel and
 * ExcelJS decode back to the original text.
 */
export function escapeOoxmlText(text: string): string {
  return text
    .replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_')
    .replace(/[\x00-\x08\x0B\x0C\x0D\x0E-\x1F\x7F]/g, (ch) => `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/**
 * Writes user text as a plain string cell. ExcelJS stores strings as (shared) strings, never as
 * formulas: a record starting with = + - @ tab or CR stays text, with nothing prepended; reading
 * the cell back gives the same string.
 */
function setText(cell: ExcelJS.Cell, text: string | null | undefined): void {
  cell.value = text === null || text === undefined || text === '' ? null : escapeOoxmlText(String(text));
}

/** Merges runs of equal values in a column (rows first..last inclusive). */
function mergeRuns(ws: ExcelJS.Worksheet, col: number, first: number, keys: string[]): void {
  let start = 0;
  for (let i = 1; i <= keys.length; i++) {
    if (i < keys.length && keys[i] === keys[start]) continue;
    if (i - start > 1) ws.mergeCells(first + start, col, first + i - 1, col);
    start = i;
  }
}

/**
 * The record workbook (xlsx) of an assessment, in the field layout (see layout.ts); `lang` 'en'
 * gives English sheet names, headers, control points, requirement text and result labels.
 */
export async function buildWorkbook(data: WorkbookData, lang: Lang = 'zh-CN'): Promise<Buffer> {
  const wb = new (excel().Workbook)();
  wb.creator = 'dengbao';
  wb.title = lang === 'en' ? `Assessment records ${data.assessment.reportNumber ?? data.assessment.id}` : `测评记录 ${data.assessment.reportNumber ?? data.assessment.id}`;
  wb.created = new Date();
  const h = HEADERS[lang];
  const labels = RESULT_LABELS[lang];
  const listValues = [labels.conform, labels.partial, labels.nonconform, labels.na];
  const listRef = `'${LISTS_SHEET}'!$A$1:$A$${listValues.length}`;
  const zhOrEn = (t: { zh: string; en: string }) => (lang === 'en' ? t.en : t.zh);

  for (const sheet of planSheets(data, lang)) {
    const isObject = sheet.kind === 'object';
    const headerRow = isObject ? 2 : 1;
    const first = headerRow + 1;
    const lastCol = isObject ? COL.rowVersion : COL.object;
    const ws = wb.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: headerRow, xSplit: 0 }] });
    for (let c = 1; c <= lastCol; c++) ws.getColumn(c).width = WIDTHS[c]!;
    for (const c of [COL.code, COL.objectId, COL.rowVersion]) ws.getColumn(c).hidden = true;

    if (isObject) {
      const o = sheet.object!;
      setText(ws.getCell(1, 1), lang === 'en' ? `IP: ${o.ip ?? ''}  Version: ${o.version ?? ''}` : `IP：${o.ip ?? ''}  版本：${o.version ?? ''}`);
      ws.mergeCells(1, COL.set, 1, COL.result);
      ws.getRow(1).font = { bold: true };
    }
    const header = ws.getRow(headerRow);
    const headerTexts: Array<[number, string]> = [
      [COL.set, h.set],
      [COL.controlPoint, h.controlPoint],
      [COL.text, h.text],
      [COL.record, h.record],
      [COL.result, h.result],
      [COL.code, h.code],
      [COL.objectId, h.objectId],
      [COL.rowVersion, h.rowVersion],
      ...(isObject ? [] : ([[COL.object, h.object]] as Array<[number, string]>)),
    ];
    for (const [c, text] of headerTexts) {
      const cell = header.getCell(c);
      cell.value = text;
      cell.font = { bold: true };
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
      cell.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
      cell.border = BORDER;
    }

    sheet.rows.forEach((r, i) => {
      const row = ws.getRow(first + i);
      setText(row.getCell(COL.set), SET_LABELS[lang][r.unit.set]);
      setText(row.getCell(COL.controlPoint), zhOrEn(r.unit.controlPoint));
      setText(row.getCell(COL.text), zhOrEn(r.unit.text));
      setText(row.getCell(COL.record), r.result.record);
      const value = r.result.value;
      const result = row.getCell(COL.result);
      setText(result, value === 'not_assessed' ? null : labels[value]);
      if (value !== 'not_assessed') result.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: RESULT_FILLS[value] } };
      setText(row.getCell(COL.code), r.unit.code);
      setText(row.getCell(COL.objectId), r.result.objectId ?? 'system');
      row.getCell(COL.rowVersion).value = r.result.rowVersion;
      if (!isObject) setText(row.getCell(COL.object), r.object?.name ?? null);
      for (let c = 1; c <= (isObject ? COL.result : COL.object); c++) {
        const cell = row.getCell(c);
        cell.alignment = { vertical: 'top', wrapText: true, ...(c === COL.result ? { horizontal: 'center' as const } : {}) };
        cell.border = BORDER;
      }
    });
    const last = first + sheet.rows.length - 1;
    // Blocks: A over one requirement set, B over one control point (as assessors lay them out).
    mergeRuns(ws, COL.set, first, sheet.rows.map((r) => r.unit.set));
    mergeRuns(ws, COL.controlPoint, first, sheet.rows.map((r) => `${r.unit.set}|${r.unit.controlPoint.order}|${r.unit.controlPoint.zh}`));
    // One list validation over the whole E range (per-cell validations are merged by ExcelJS into
    // overlapping ranges, which Excel reports as damaged content).
    (ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(`E${first}:E${last}`, {
      type: 'list',
      allowBlank: true,
      formulae: [listRef],
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: lang === 'en' ? 'Result' : '符合情况',
      error: listValues.join(' / '),
    });
    // The colour follows the value when it is changed in Excel.
    ws.addConditionalFormatting({
      ref: `E${first}:E${last}`,
      rules: (['conform', 'partial', 'nonconform', 'na'] as const).map((v, i) => ({
        type: 'cellIs' as const,
        operator: 'equal' as const,
        priority: i + 1,
        formulae: [`"${labels[v]}"`],
        style: { fill: { type: 'pattern' as const, pattern: 'solid' as const, bgColor: { argb: RESULT_FILLS[v] } } },
      })),
    });
  }

  addExtraSheet(wb, data.extraItems ?? [], lang, setText);
  addHazardsSheet(wb, data.hazards ?? [], lang, setText);
  const lists = wb.addWorksheet(LISTS_SHEET, { state: 'hidden' });
  listValues.forEach((v, i) => setText(lists.getCell(i + 1, 1), v));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The download name: 测评记录-<report number or assessment id>.xlsx (English: assessment-records-…). */
export function workbookFileName(data: WorkbookData, lang: Lang): string {
  const id = (data.assessment.reportNumber ?? data.assessment.id).replace(/[^\w.-]+/g, '_');
  return lang === 'en' ? `assessment-records-${id}.xlsx` : `测评记录-${id}.xlsx`;
}
