import type { Knex } from 'knex';
import { ExtraItemsService } from '../../server/assessments/extra-items.js';
import { ResultsService } from '../../server/assessments/results.js';
import { AssessmentsService } from '../../server/assessments/service.js';
import { ScopedService } from '../../server/context.js';
import { syncScope, unitsInScope } from '../../server/assessments/scope.js';
import { insertOutsideRows } from '../../server/assessments/outside-rows.js';
import { transaction } from '../../server/database/transaction.js';
import { ConflictError, UnsupportedMediaTypeError, ValidationError, WorkbookLevelMismatchError, WorkbookUnmatchedError, type ErrorDetail } from '../../server/errors.js';
import { checkWorkbookArchive, WORKBOOK_LIMITS } from './archive.js';
import { parseWorkbookInThread, WorkbookBudgetError } from './parse-pool.js';
import { assembleWorkbookData, type WorkbookData, type WorkbookUnit } from './data.js';
import { otherLevel, scoreLevels } from './level.js';
import { buildWorkbook, workbookFileName } from './export.js';
import { diffWorkbook, type ConflictItem, type ParsedSheet, type ProblemItem, type WorkbookDiff } from './import.js';
import type { Lang } from './layout.js';

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type WorkbookImportResult = WorkbookDiff & { dryRun: boolean; applied: number };

const problemDetail = (p: ProblemItem): ErrorDetail => ({
  path: p.column ? `${p.sheet}!${p.column}${p.row}` : `${p.sheet}!${p.row}`,
  code: p.code,
  message: p.message,
  sheet: p.sheet,
  row: p.row,
  column: p.column,
  ...(p.value !== undefined ? { value: p.value } : {}),
});

const conflictDetail = (c: ConflictItem): ErrorDetail => ({ path: `${c.sheet}!${c.column}${c.row}`, ...c, code: 'stale_row_version', unit: c.code });

/** Export and import of an assessment's record workbook (xlsx). */
export class WorkbookService extends ScopedService {
  /** The workbook of an assessment: needs 'download' (auditors may export). */
  async export(assessmentId: string, lang: Lang): Promise<{ buffer: Buffer; fileName: string }> {
    const data = await assembleWorkbookData({ knex: this.knex, caller: this.caller }, assessmentId, 'download');
    return { buffer: await buildWorkbook(data, lang), fileName: workbookFileName(data, lang) };
  }

  /** 404 for another organisation's assessment, 403 without 'edit', 409 when it is not writable. */
  async assertCanImport(assessmentId: string): Promise<void> {
    await new AssessmentsService({ knex: this.knex, caller: this.caller }).loadWritable(assessmentId);
  }

  /** 422 when the file was written for another protection level (see level.ts). */
  private async checkLevel(assessmentId: string, sheets: ParsedSheet[], data: WorkbookData): Promise<void> {
    const a = await new AssessmentsService({ knex: this.knex, caller: this.caller }).load(assessmentId, 'edit');
    const sets: string[] = JSON.parse(a.requirement_sets);
    const levels: number[] = (await this.knex('catalogue_items').where({ catalogue_version_id: a.catalogue_version_id }).distinct('level')).map((r: { level: number }) => Number(r.level));
    const unitsByLevel = new Map<number, WorkbookUnit[]>();
    for (const level of levels.sort()) {
      unitsByLevel.set(
        level,
        level === data.assessment.level
          ? data.units
          : (await unitsInScope(this.knex, a.catalogue_version_id, level, sets)).map((u) => ({ code: u.code, set: u.set, layer: u.layer, controlPoint: u.controlPoint, text: u.text })),
      );
    }
    const other = otherLevel(scoreLevels(sheets, data, unitsByLevel), data.assessment.level);
    if (other) {
      const levels = { fileLevel: other.level, assessmentLevel: data.assessment.level };
      throw new WorkbookLevelMismatchError(levels, [{ path: 'file', code: 'level_mismatch', message: `the rows match the level ${other.level} catalogue best`, ...levels }]);
    }
  }

  /**
   * Reads an uploaded workbook and compares it with the assessment. A file of another level, or
   * one in which no row matches, is refused (422). Dry run: the diff only. Otherwise, in one
   * transaction, the rows outside the default mapping are added and the changed rows written in
   * one ResultsService.bulk call (all or nothing); problems (400) or conflicts (409) apply
   * nothing. Rows that match nothing are reported and do not block the rest.
   */
  async import(
    assessmentId: string,
    buffer: Buffer,
    options: { dryRun: boolean; onApplied?: (trx: Knex.Transaction, result: WorkbookImportResult) => Promise<void> },
  ): Promise<WorkbookImportResult> {
    await this.assertCanImport(assessmentId);
    const check = await checkWorkbookArchive(buffer);
    if (check.kind === 'not_xlsx') throw new UnsupportedMediaTypeError({}, [{ path: 'file', code: 'not_xlsx', message: `must be an Excel workbook (.xlsx): ${check.reason}` }]);
    if (check.kind === 'problems') {
      throw new ValidationError(
        {},
        check.problems.map((p) => ({ path: p.sheet ? `file!${p.sheet}` : 'file', code: p.code, message: p.message, sheet: p.sheet, row: p.row })),
      );
    }
    let sheets;
    try {
      // In the parser thread, within a time and memory budget: the event loop keeps serving.
      sheets = await parseWorkbookInThread(buffer, { timeoutMs: WORKBOOK_LIMITS.maxParseSeconds * 1000, maxMemoryMb: WORKBOOK_LIMITS.maxParseMemoryMb });
    } catch (err) {
      if (err instanceof WorkbookBudgetError) throw new ValidationError({}, [{ path: 'file', code: err.code, message: err.message }]);
      throw new ValidationError({}, [{ path: 'file', code: 'invalid_workbook', message: `the workbook cannot be read: ${(err as Error).message}` }]);
    }
    const data = await assembleWorkbookData({ knex: this.knex, caller: this.caller }, assessmentId, 'edit');
    const { inputs, additions, extraInputs, counts, ...diff } = diffWorkbook(sheets, data);
    await this.checkLevel(assessmentId, sheets, data);
    if (counts.matched === 0 && !counts.problems && !counts.conflicts) {
      // Nothing matched (and nothing refused row by row): say why, with the first unmatched rows and their nearest units.
      throw new WorkbookUnmatchedError(
        { rows: counts.rows },
        diff.unmatched.slice(0, 20).map((u) => ({ path: `${u.sheet}!${u.row}`, code: u.reason, message: u.message, sheet: u.sheet, row: u.row, ...(u.nearest ? { nearest: u.nearest } : {}) })),
      );
    }
    if (options.dryRun) return { counts, dryRun: true, applied: 0, ...diff };
    if (diff.problems.length) throw new ValidationError({}, [...diff.problems.map(problemDetail), ...diff.conflicts.map(conflictDetail)]);
    if (diff.conflicts.length) {
      throw new ConflictError({ reason: 'workbook_stale' }, diff.conflicts.map(conflictDetail));
    }
    const result: WorkbookImportResult = { counts, dryRun: false, applied: inputs.length + extraInputs.length, ...diff };
    // One transaction: the rows outside the default mapping are added and every change written, or nothing.
    if (inputs.length || extraInputs.length) {
      await transaction(this.knex, async (trx) => {
        const a = await new AssessmentsService({ knex: trx, caller: this.caller }).loadWritable(assessmentId, trx);
        if (additions.length) await insertOutsideRows(trx, a, additions, false);
        if (inputs.length) await new ResultsService({ knex: trx, caller: this.caller }).bulk(assessmentId, inputs);
        const extra = new ExtraItemsService({ knex: trx, caller: this.caller });
        for (const x of extraInputs) await extra.update(assessmentId, x.code, { value: x.value, record: x.record });
        // Now that the file's judgements are written: rows a whole-system row replaces go (if still not assessed).
        if (additions.length) await syncScope(trx, a);
        // The caller's record that this apply happened (a job's kept result) commits with it.
        await options.onApplied?.(trx, result);
      });
    }
    return result;
  }
}
