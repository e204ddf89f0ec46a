import { ResultsService } from '../../server/assessments/results.js';
import { AssessmentsService } from '../../server/assessments/service.js';
import { ScopedService } from '../../server/context.js';
import { ConflictError, UnsupportedMediaTypeError, ValidationError, type ErrorDetail } from '../../server/errors.js';
import { checkWorkbookArchive, WORKBOOK_LIMITS } from './archive.js';
import { parseWorkbookInThread, WorkbookBudgetError } from './parse-pool.js';
import { assembleWorkbookData } from './data.js';
import { buildWorkbook, workbookFileName } from './export.js';
import { diffWorkbook, type ConflictItem, type ProblemItem, type WorkbookDiff } from './import.js';
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

  /**
   * Reads an uploaded workbook and compares it with the assessment. Dry run: the diff only.
   * Otherwise the changed rows are written in one ResultsService.bulk call (all or nothing);
   * problems (400) or conflicts (409) apply nothing. Rows that match nothing are reported and do
   * not block the rest.
   */
  async import(assessmentId: string, buffer: Buffer, options: { dryRun: boolean }): Promise<WorkbookImportResult> {
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
    const { inputs, ...diff } = diffWorkbook(sheets, data);
    if (options.dryRun) return { dryRun: true, applied: 0, ...diff };
    if (diff.problems.length) throw new ValidationError({}, [...diff.problems.map(problemDetail), ...diff.conflicts.map(conflictDetail)]);
    if (diff.conflicts.length) {
      throw new ConflictError({ reason: 'the workbook is stale: rows it changes were changed on the server since it was exported; export again' }, diff.conflicts.map(conflictDetail));
    }
    if (inputs.length) await new ResultsService({ knex: this.knex, caller: this.caller }).bulk(assessmentId, inputs);
    return { dryRun: false, applied: inputs.length, ...diff };
  }
}
