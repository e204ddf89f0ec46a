import type ExcelJS from 'exceljs';
import { lazy } from '../../server/lazy.js';
import type { OutsideRow } from '../../server/assessments/outside-rows.js';
import type { ResultInput } from '../../server/assessments/results.js';
import type { WorkbookData, WorkbookObject, WorkbookResult } from './data.js';
import { isHazardsSheet } from './hazards-sheet.js';
import { diffExtraRows, EXTRA_CODE, type ExtraInput } from './extra-sheet.js';
import { COL, headerKey, LISTS_SHEET, parseResultLabel, type ResultValue } from './layout.js';
import type { ChangedItem, ConflictItem, DuplicateItem, Located, MatchedVia, MatchItem, ProblemItem, UnmatchedItem, WorkbookDiff } from './diff-types.js';
import { CatalogueIndex, SIMILARITY_THRESHOLD, stripItemLetter } from './match.js';
import { sheetKinds } from './sheet-kind.js';
import { normaliseRecord, normaliseText } from './text.js';

const excel = lazy<typeof ExcelJS>('exceljs');

/**
 * Reading a record workbook back. Two kinds of rows:
 *
 * - Rows written by dengbao carry the hidden machine columns (F unit code, G object id or
 *   "system", H row version) and map exactly to one result. An empty E means "not assessed".
 * - Rows without them (a workbook made outside dengbao, in the field layout) are matched by
 *   layer (from the sheet, see sheet-kind.ts), control point and requirement text (match.ts:
 *   item letters stripped, exact or similar wording within the control point). Merged or blank
 *   A/B cells are filled down. A row whose unit lies outside the default object mapping is kept
 *   as a row outside the default mapping. Empty D/E cells leave the server's record/result alone.
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

export type { ChangedItem, ConflictItem, DuplicateItem, ImportCounts, MatchedVia, MatchItem, ProblemItem, UnmatchedItem, WorkbookDiff } from './diff-types.js';

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
  const wb = new (excel().Workbook)();
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
 * nothing (with the nearest catalogue unit), rows copied from another sheet, and problems
 * (unknown result values, units outside the scope, bad object ids or row versions, one result
 * given twice with different values). Rows whose unit lies outside the catalogue's default
 * object mapping for their object (or a per-object unit judged once for the whole system) are
 * kept: `additions` are the rows the import adds to the scope, marked "outside default
 * mapping". `inputs` are the changed rows as ResultsService.bulk takes them.
 */
export function diffWorkbook(sheets: ParsedSheet[], data: WorkbookData): WorkbookDiff & { inputs: ResultInput[]; additions: OutsideRow[]; extraInputs: ExtraInput[] } {
  const changed: ChangedItem[] = [];
  const conflicts: ConflictItem[] = [];
  const unmatched: UnmatchedItem[] = [];
  const duplicates: DuplicateItem[] = [];
  const problems: ProblemItem[] = [];
  const matches: MatchItem[] = [];
  const inputs: ResultInput[] = [];
  const additions: OutsideRow[] = [];
  let unchanged = 0;
  let rowCount = 0;

  const unitByCode = new Map(data.units.map((u) => [u.code, u]));
  const objectById = new Map(data.objects.map((o) => [o.id, o]));
  const resultByKey = new Map<string, WorkbookResult & { outside?: boolean }>(data.results.map((r) => [keyOf(r.code, r.objectId), r]));
  const resultsByCode = new Map<string, WorkbookResult[]>();
  for (const r of data.results) resultsByCode.set(r.code, [...(resultsByCode.get(r.code) ?? []), r]);
  const index = new CatalogueIndex(data.units);
  const kindOf = sheetKinds(data);
  const objectByName = new Map<string, WorkbookObject>();
  for (const o of data.objects) objectByName.set(normaliseText(o.name), o);

  const seen = new Map<string, { at: Located; value: ResultValue; record: string | null | undefined }>();
  const locate = (sheet: string, row: number, column: string | null) => (column ? `${sheet}!${column}${row}` : `${sheet}!${row}`);
  /** A row the import would add: not assessed yet, row version 1, marked outside the default mapping. */
  const virtualRow = (code: string, objectId: string | null): WorkbookResult & { outside: true } => {
    const key = keyOf(code, objectId);
    const existing = resultByKey.get(key);
    if (existing) return existing as WorkbookResult & { outside: true };
    const row = { code, objectId, value: 'not_assessed' as const, record: null, rowVersion: 1, outside: true as const };
    resultByKey.set(key, row);
    return row;
  };
  // Matched rows by normalised control point + text, to recognise rows copied into another sheet.
  const matchedText = new Map<string, Located>();
  const textKey = (cp: string, text: string) => `${normaliseText(cp)}|${normaliseText(stripItemLetter(text).text)}`;
  const pending: Array<{ item: UnmatchedItem; key: string }> = [];

  /** Records the outcome of one matched row. */
  const compare = (
    at: Located,
    result: WorkbookResult & { outside?: boolean },
    file: { value: ResultValue; record: string | null | undefined },
    via: { matchedBy: MatchedVia; similarity: number | null },
    fileRowVersion?: number,
  ) => {
    const key = keyOf(result.code, result.objectId);
    const outsideDefaultMapping = result.outside === true;
    matches.push({ ...at, code: result.code, objectId: result.objectId, ...via, outsideDefaultMapping });
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
    if (outsideDefaultMapping) additions.push({ code: result.code, objectKey: result.objectId ?? 'system' });
    changed.push({
      ...at,
      code: result.code,
      objectId: result.objectId,
      objectName,
      controlPoint: unitByCode.get(result.code)?.controlPoint.zh ?? '',
      ...via,
      outsideDefaultMapping,
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
    const kind = kindOf(sheet.name, sheet.firstLine, sheet.headerRow);

    for (const r of sheet.rows) {
      if (EXTRA_CODE.test(r.code)) continue; // an additional item: diffExtraRows below
      rowCount++;
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
        compare(at, resultByKey.get(keyOf(r.code, objectId))!, { value: parsed!, record: normaliseRecord(r.record) }, { matchedBy: 'machine_columns', similarity: null }, version);
        continue;
      }

      // A row without machine columns: layer + control point + requirement text.
      const base = { ...at, controlPoint: r.controlPoint, text: r.text };
      if (kind.kind === 'unknown') {
        unmatched.push({ ...base, reason: 'unknown_sheet', message: `sheet "${sheet.name}" is neither a layer sheet nor named after an assessed object` });
        continue;
      }
      const m = index.match(kind.layer, r.set, r.controlPoint, r.text);
      if (!m.ok) {
        const item: UnmatchedItem = {
          ...base,
          reason: m.reason,
          nearest: m.nearest,
          message:
            m.reason === 'unknown_control_point'
              ? `the layer has no control point "${r.controlPoint}"${m.nearest ? `; nearest requirement ${m.nearest.code} (similarity ${m.nearest.similarity})` : ''}`
              : `no requirement of this control point matches (similarity below ${SIMILARITY_THRESHOLD})${m.nearest ? `; nearest ${m.nearest.code} (similarity ${m.nearest.similarity})` : ''}`,
        };
        pending.push({ item, key: textKey(r.controlPoint, r.text) });
        continue;
      }
      const code = m.unit.code;
      const via = { matchedBy: m.matchedBy, similarity: m.similarity };
      const candidates = resultsByCode.get(code) ?? [];
      let result: (WorkbookResult & { outside?: boolean }) | undefined;
      const onObject = (o: WorkbookObject): boolean => {
        result = candidates.find((x) => x.objectId === o.id);
        if (result) return true;
        if (!o.selected) {
          unmatched.push({ ...base, reason: 'object_not_selected', message: `${o.name} is not selected for assessment: select it, then import again` });
          return false;
        }
        result = virtualRow(code, o.id); // outside the default mapping: kept, never dropped
        return true;
      };
      if (kind.kind === 'object') {
        if (!onObject(kind.object)) continue;
      } else if (r.object) {
        const o = objectByName.get(normaliseText(r.object));
        if (!o) {
          unmatched.push({ ...base, reason: 'unknown_object', message: `"${r.object}" is not an assessed object of the system` });
          continue;
        }
        if (!onObject(o)) continue;
      } else {
        // A layer sheet's row without an object: the whole system (the unit's system row, its only
        // row, or — several objects, or the whole-system cloud computing-environment sheet — a
        // whole-system row outside the default mapping).
        const system = candidates.find((x) => x.objectId === null);
        result = system ?? (candidates.length === 1 && !kind.wholeSystem ? candidates[0] : virtualRow(code, null));
      }
      if (parsed === undefined) {
        valueProblem();
        continue;
      }
      if (!matchedText.has(textKey(r.controlPoint, r.text))) matchedText.set(textKey(r.controlPoint, r.text), at);
      const record = normaliseRecord(r.record);
      // Empty cells say nothing: they leave the server's result and record as they are.
      compare(at, result!, { value: r.result === '' ? result!.value : parsed, record: record === null ? undefined : record }, via);
    }
  }
  // Unmatched rows that repeat a matched row of another sheet: a copy-paste, not an unknown item.
  for (const { item, key } of pending) {
    const original = matchedText.get(key);
    if (original && original.sheet !== item.sheet) duplicates.push({ sheet: item.sheet, row: item.row, duplicateOf: original, controlPoint: item.controlPoint ?? '', text: item.text ?? '', message: `duplicate of ${original.sheet}!${original.row}` });
    else unmatched.push(item);
  }
  unmatched.sort((a, b) => sheets.findIndex((s) => s.name === a.sheet) - sheets.findIndex((s) => s.name === b.sheet) || a.row - b.row);
  const extra = diffExtraRows(sheets, data.extraItems ?? []);
  rowCount += extra.rows;
  unchanged += extra.unchanged;
  changed.push(...extra.changed);
  problems.push(...extra.problems);
  matches.push(...extra.matches);
  const counts = {
    rows: rowCount,
    matched: matches.length,
    unmatched: unmatched.filter((u) => u.reason !== 'no_header').length,
    duplicates: duplicates.length,
    outsideMapping: additions.length,
    changed: changed.length,
    unchanged,
    conflicts: conflicts.length,
    problems: problems.length,
  };
  return { counts, changed, unchanged, conflicts, unmatched, duplicates, problems, matches, inputs, additions, extraInputs: extra.inputs };
}
