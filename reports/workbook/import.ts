import ExcelJS from 'exceljs';
import type { ResultInput } from '../../server/assessments/results.js';
import type { LayerCode } from '../../server/catalogue/schema.js';
import type { WorkbookData, WorkbookObject, WorkbookResult } from './data.js';
import { planSheets } from './export.js';
import { isHazardsSheet } from './hazards-sheet.js';
import { COL, headerKey, isCloudLabel, layerOfSheet, LISTS_SHEET, parseResultLabel, type ResultValue } from './layout.js';
import { normaliseRecord, normaliseText, sanitiseSheetName } from './text.js';

/**
 * Reading a record workbook back. Two kinds of rows:
 *
 * - Rows written by dengbao carry the hidden machine columns (F unit code, G object id or
 *   "system", H row version) and map exactly to one result. An empty E means "not assessed".
 * - Rows without them (a workbook made outside dengbao, in the field layout) are matched by
 *   layer (from the sheet name: a layer sheet such as 中心机房/系统边界, or an object sheet named
 *   after an assessed object — or found by the IP in its row-1 line — for 安全计算环境), control
 *   point and requirement text, both normalised (whitespace and punctuation removed; zh or en).
 *   Merged or blank A/B cells are filled down. On a layer sheet a unit answered per object is
 *   found by the object name in a 测评对象 column, or is unambiguous when the unit has one row.
 *   Empty D/E cells leave the server's record/result alone.
 *
 * Every item of the answer names its sheet and row (the Excel row number).
 */

export interface ParsedRow {
  row: number;
  set: string;
  controlPoint: string;
  text: string;
  record: string;
  result: string;
  code: string;
  objectId: string;
  rowVersion: string;
  object: string;
  /** Column letters of the record and result cells on this sheet. */
  resultColumn: string;
  recordColumn: string;
}

export interface ParsedSheet {
  name: string;
  /** Row of the header, or null when none was recognised. */
  headerRow: number | null;
  /** Row 1 text of object sheets ("IP：…  版本：…"). */
  firstLine: string;
  rows: ParsedRow[];
}

interface Located {
  sheet: string;
  row: number;
}

export interface ChangedItem extends Located {
  code: string;
  objectId: string | null;
  objectName: string | null;
  controlPoint: string;
  matchedBy: 'machine_columns' | 'text';
  from: { value: ResultValue; record: string | null };
  to: { value: ResultValue; record: string | null };
  rowVersion: number;
}

export interface ConflictItem extends Located {
  column: string;
  code: string;
  objectId: string | null;
  objectName: string | null;
  message: string;
  fileRowVersion: number;
  serverRowVersion: number;
  server: { value: ResultValue; record: string | null };
  file: { value: ResultValue; record: string | null };
}

export interface UnmatchedItem extends Located {
  reason: 'no_matching_requirement' | 'unknown_sheet' | 'not_assessed_on_object' | 'unknown_object' | 'ambiguous_object' | 'no_header';
  message: string;
  controlPoint?: string;
  text?: string;
}

export interface ProblemItem extends Located {
  column: string | null;
  code: string;
  message: string;
  value?: string;
}

export interface WorkbookDiff {
  changed: ChangedItem[];
  unchanged: number;
  conflicts: ConflictItem[];
  unmatched: UnmatchedItem[];
  problems: ProblemItem[];
}

const CODE = /^L\d-[A-Z]{3}\d-\d{2}$/;
/** As the results API allows. */
const MAX_RECORD = 20_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const letter = (col: number) => String.fromCharCode(64 + col);

/** The text of a cell whatever it holds (rich text, hyperlink, formula result, number, date). */
export function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  const v = value as unknown as Record<string, unknown>;
  if (Array.isArray(v.richText)) return (v.richText as Array<{ text: string }>).map((r) => r.text).join('');
  if ('formula' in v || 'sharedFormula' in v) return v.result !== undefined && v.result !== null ? cellText(v.result as ExcelJS.CellValue) : `=${String(v.formula ?? v.sharedFormula ?? '')}`;
  if ('hyperlink' in v) return cellText(v.text as ExcelJS.CellValue);
  if ('error' in v) return String(v.error);
  if ('text' in v) return cellText(v.text as ExcelJS.CellValue);
  return '';
}

/** Loads an xlsx (already checked by checkWorkbookArchive) into rows per sheet. */
export async function parseWorkbook(buffer: Buffer): Promise<ParsedSheet[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  const sheets: ParsedSheet[] = [];
  wb.eachSheet((ws) => {
    if (ws.name === LISTS_SHEET || isHazardsSheet(ws.name)) return;
    const text = (r: number, c: number | undefined) => (c ? cellText(ws.getRow(r).getCell(c).value) : '');
    // The header: the first of rows 1–5 naming the requirement column and the result or control-point column.
    let headerRow: number | null = null;
    const cols: Partial<Record<keyof typeof COL, number>> = {};
    for (let r = 1; r <= Math.min(5, ws.rowCount); r++) {
      const found: Partial<Record<keyof typeof COL, number>> = {};
      ws.getRow(r).eachCell({ includeEmpty: false }, (cell, c) => {
        const k = headerKey(cellText(cell.value));
        if (k && found[k] === undefined) found[k] = c;
      });
      if (found.text !== undefined && (found.result !== undefined || found.controlPoint !== undefined)) {
        headerRow = r;
        Object.assign(cols, found);
        break;
      }
    }
    const firstLine = text(1, 1);
    if (headerRow === null) {
      if (ws.actualRowCount > 0) sheets.push({ name: ws.name, headerRow: null, firstLine, rows: [] });
      return;
    }
    const c = {
      set: cols.set ?? COL.set,
      controlPoint: cols.controlPoint ?? COL.controlPoint,
      text: cols.text ?? COL.text,
      record: cols.record ?? COL.record,
      result: cols.result ?? COL.result,
      code: cols.code ?? COL.code,
      objectId: cols.objectId ?? COL.objectId,
      rowVersion: cols.rowVersion ?? COL.rowVersion,
      object: cols.object,
    };
    const rows: ParsedRow[] = [];
    let set = '';
    let controlPoint = '';
    for (let r = headerRow + 1; r <= ws.rowCount; r++) {
      const row: ParsedRow = {
        row: r,
        set: text(r, c.set).trim(),
        controlPoint: text(r, c.controlPoint).trim(),
        text: text(r, c.text),
        record: text(r, c.record),
        result: text(r, c.result).trim(),
        code: text(r, c.code).trim(),
        objectId: text(r, c.objectId).trim(),
        rowVersion: text(r, c.rowVersion).trim(),
        object: text(r, c.object).trim(),
        resultColumn: letter(c.result),
        recordColumn: letter(c.record),
      };
      // Merged (or left blank below the first row) A and B cells: fill down.
      if (row.set) set = row.set;
      else row.set = set;
      if (row.controlPoint) controlPoint = row.controlPoint;
      else row.controlPoint = controlPoint;
      if (!row.text.trim() && !row.record.trim() && !row.result && !CODE.test(row.code)) continue;
      rows.push(row);
    }
    sheets.push({ name: ws.name, headerRow, firstLine, rows });
  });
  return sheets;
}

const keyOf = (code: string, objectId: string | null) => `${code}|${objectId ?? 'system'}`;

/**
 * Compares parsed sheets with the assessment: what would change, what is unchanged, conflicts
 * (the file's row version differs from the server's and the values differ), rows that match
 * nothing, and problems (unknown result values, units outside the scope, bad object ids or row
 * versions, one result given twice with different values). `inputs` are the changed rows as
 * ResultsService.bulk takes them.
 */
export function diffWorkbook(sheets: ParsedSheet[], data: WorkbookData): WorkbookDiff & { inputs: ResultInput[] } {
  const changed: ChangedItem[] = [];
  const conflicts: ConflictItem[] = [];
  const unmatched: UnmatchedItem[] = [];
  const problems: ProblemItem[] = [];
  const inputs: ResultInput[] = [];
  let unchanged = 0;

  const unitByCode = new Map(data.units.map((u) => [u.code, u]));
  const objectById = new Map(data.objects.map((o) => [o.id, o]));
  const resultByKey = new Map(data.results.map((r) => [keyOf(r.code, r.objectId), r]));
  const resultsByCode = new Map<string, WorkbookResult[]>();
  for (const r of data.results) resultsByCode.set(r.code, [...(resultsByCode.get(r.code) ?? []), r]);
  // layer | control point | requirement text (normalised, zh and en) → unit code
  const unitByText = new Map<string, string>();
  for (const u of data.units) {
    for (const lang of ['zh', 'en'] as const) unitByText.set(`${u.layer}|${normaliseText(u.controlPoint[lang])}|${normaliseText(u.text[lang])}`, u.code);
  }
  // Sheet names an object may have: its name, its sanitised name, the names the export gives it.
  const objectBySheet = new Map<string, WorkbookObject>();
  for (const lang of ['zh-CN', 'en'] as const) for (const s of planSheets(data, lang)) if (s.object) objectBySheet.set(normaliseText(s.name), s.object);
  for (const o of data.objects) {
    for (const n of [o.name, sanitiseSheetName(o.name)]) if (!objectBySheet.has(normaliseText(n))) objectBySheet.set(normaliseText(n), o);
  }
  const objectByName = new Map<string, WorkbookObject>();
  for (const o of data.objects) objectByName.set(normaliseText(o.name), o);

  const seen = new Map<string, { at: Located; value: ResultValue; record: string | null | undefined }>();
  const locate = (sheet: string, row: number, column: string | null) => (column ? `${sheet}!${column}${row}` : `${sheet}!${row}`);

  /** Records the outcome of one matched row. */
  const compare = (
    at: Located,
    result: WorkbookResult,
    file: { value: ResultValue; record: string | null | undefined },
    via: ChangedItem['matchedBy'],
    fileRowVersion?: number,
  ) => {
    const key = keyOf(result.code, result.objectId);
    const toValue = file.value;
    const toRecord = file.record === undefined ? normaliseRecord(result.record) : file.record;
    const previous = seen.get(key);
    if (previous) {
      const prevRecord = previous.record === undefined ? normaliseRecord(result.record) : previous.record;
      if (previous.value !== toValue || prevRecord !== toRecord) {
        problems.push({
          ...at,
          column: null,
          code: 'duplicate_row',
          message: `gives ${result.code}${result.objectId ? ` on object ${result.objectId}` : ''} again, differently from ${locate(previous.at.sheet, previous.at.row, null)}`,
        });
      }
      return;
    }
    seen.set(key, { at, value: toValue, record: file.record });
    const objectName = result.objectId ? (objectById.get(result.objectId)?.name ?? null) : null;
    const differs = toValue !== result.value || toRecord !== normaliseRecord(result.record);
    if (!differs) {
      unchanged++;
      return;
    }
    if (fileRowVersion !== undefined && fileRowVersion !== result.rowVersion) {
      conflicts.push({
        ...at,
        column: 'H',
        code: result.code,
        objectId: result.objectId,
        objectName,
        message:
          fileRowVersion < result.rowVersion
            ? `changed on the server since the workbook was exported (row version ${fileRowVersion} in the file, ${result.rowVersion} now)`
            : `the file's row version ${fileRowVersion} is newer than the server's ${result.rowVersion}: exported from another assessment or database?`,
        fileRowVersion,
        serverRowVersion: result.rowVersion,
        server: { value: result.value, record: result.record },
        file: { value: toValue, record: toRecord },
      });
      return;
    }
    changed.push({
      ...at,
      code: result.code,
      objectId: result.objectId,
      objectName,
      controlPoint: unitByCode.get(result.code)?.controlPoint.zh ?? '',
      matchedBy: via,
      from: { value: result.value, record: result.record },
      to: { value: toValue, record: toRecord },
      rowVersion: result.rowVersion,
    });
    inputs.push({ code: result.code, objectId: result.objectId, value: toValue, ...(file.record !== undefined ? { record: file.record } : {}), rowVersion: result.rowVersion });
  };

  for (const sheet of sheets) {
    if (sheet.headerRow === null) {
      unmatched.push({ sheet: sheet.name, row: 1, reason: 'no_header', message: 'no header row (测评项 / 符合情况) found in rows 1–5: sheet skipped' });
      continue;
    }
    // What the sheet holds when its rows carry no machine columns.
    const layer: LayerCode | undefined = layerOfSheet(sheet.name);
    let sheetObject: WorkbookObject | undefined;
    if (!layer) {
      sheetObject = objectBySheet.get(normaliseText(sheet.name));
      const ip = /IP\s*[:：]\s*([0-9A-Fa-f.:]+)/.exec(sheet.firstLine)?.[1];
      if (!sheetObject && ip && sheet.headerRow > 1) {
        const byIp = data.objects.filter((o) => o.ip && o.ip.trim() === ip);
        if (byIp.length === 1) sheetObject = byIp[0];
      }
    }
    const sheetLayer: LayerCode | undefined = layer ?? (sheetObject ? 'CES' : undefined);

    for (const r of sheet.rows) {
      const at = { sheet: sheet.name, row: r.row };
      const parsed = parseResultLabel(r.result);
      r.record = r.record.replace(/\u0000/g, ''); // PostgreSQL text cannot hold NUL
      if (r.record.length > MAX_RECORD) {
        problems.push({ ...at, column: r.recordColumn, code: 'record_too_long', message: `the record is longer than ${MAX_RECORD} characters` });
        continue;
      }
      const valueProblem = () =>
        problems.push({ ...at, column: r.resultColumn, code: 'invalid_result', value: r.result, message: `unknown result "${r.result}": one of 符合 / 部分符合 / 不符合 / 不适用 (or empty for not assessed)` });

      if (CODE.test(r.code)) {
        // A row exported by dengbao: exact mapping by unit code + object id, checked by row version.
        let bad = false;
        if (!resultsByCode.has(r.code)) {
          problems.push({ ...at, column: 'F', code: 'out_of_scope', value: r.code, message: `unit ${r.code} is not in this assessment's scope` });
          bad = true;
        }
        const objectId = r.objectId === 'system' ? null : r.objectId;
        if (!bad && objectId !== null && !UUID.test(objectId)) {
          problems.push({ ...at, column: 'G', code: 'invalid_object_id', value: r.objectId, message: 'the object id must be an assessed object\'s id or "system"' });
          bad = true;
        }
        if (!bad && !resultByKey.has(keyOf(r.code, objectId))) {
          problems.push({
            ...at,
            column: 'G',
            code: 'object_not_applicable',
            value: r.objectId,
            message: objectId === null ? `unit ${r.code} is assessed per object, not once for the system` : `object ${objectId} is not assessed on unit ${r.code}`,
          });
          bad = true;
        }
        const version = Number(r.rowVersion);
        if (!/^\d+$/.test(r.rowVersion) || version < 1) {
          problems.push({ ...at, column: 'H', code: 'invalid_row_version', value: r.rowVersion, message: 'the row version must be a positive whole number' });
          bad = true;
        }
        if (parsed === undefined) {
          valueProblem();
          bad = true;
        }
        if (bad) continue;
        compare(at, resultByKey.get(keyOf(r.code, objectId))!, { value: parsed!, record: normaliseRecord(r.record) }, 'machine_columns', version);
        continue;
      }

      // A row without machine columns: layer + control point + requirement text.
      if (!sheetLayer) {
        unmatched.push({ ...at, reason: 'unknown_sheet', controlPoint: r.controlPoint, text: r.text, message: `sheet "${sheet.name}" is neither a layer sheet nor named after an assessed object` });
        continue;
      }
      const code = unitByText.get(`${sheetLayer}|${normaliseText(r.controlPoint)}|${normaliseText(r.text)}`);
      if (!code) {
        unmatched.push({
          ...at,
          reason: 'no_matching_requirement',
          controlPoint: r.controlPoint,
          text: r.text,
          message: `no ${isCloudLabel(r.set) ? 'cloud-extension ' : ''}requirement of this layer in scope has this control point and text`,
        });
        continue;
      }
      const candidates = resultsByCode.get(code) ?? [];
      let result: WorkbookResult | undefined;
      if (sheetObject) {
        result = candidates.find((x) => x.objectId === sheetObject.id);
        if (!result) {
          unmatched.push({ ...at, reason: 'not_assessed_on_object', controlPoint: r.controlPoint, text: r.text, message: `unit ${code} is not assessed on ${sheetObject.name}` });
          continue;
        }
      } else if (r.object) {
        const o = objectByName.get(normaliseText(r.object));
        result = o ? candidates.find((x) => x.objectId === o.id) : undefined;
        if (!result) {
          unmatched.push({ ...at, reason: 'unknown_object', controlPoint: r.controlPoint, text: r.text, message: `"${r.object}" is not an object assessed on unit ${code}` });
          continue;
        }
      } else if (candidates.length === 1) {
        result = candidates[0];
      } else {
        unmatched.push({ ...at, reason: 'ambiguous_object', controlPoint: r.controlPoint, text: r.text, message: `unit ${code} is assessed on ${candidates.length} objects: name the object in a 测评对象 column` });
        continue;
      }
      if (parsed === undefined) {
        valueProblem();
        continue;
      }
      const record = normaliseRecord(r.record);
      // Empty cells say nothing: they leave the server's result and record as they are.
      compare(at, result!, { value: r.result === '' ? result!.value : parsed, record: record === null ? undefined : record }, 'text');
    }
  }
  return { changed, unchanged, conflicts, unmatched, problems, inputs };
}
