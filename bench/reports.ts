/**
 * Report rows, computed in this process with the server's own functions: the PDF test report as a
 * report job makes it (assemble → render → one full print + the contents pages) against Chromium
 * printing the same pre-rendered HTML, the docx report, and the xlsx export/import against exceljs
 * writing/reading the same cells raw.
 */
import ExcelJS from 'exceljs';
import type { Catalogue } from '../server/catalogue/index.js';
import type { Knex } from '../server/database/index.js';
import type { Caller } from '../server/context.js';
import { PdfPrinter } from '../reports/pdf/chromium.js';
import { CONTENTS_KEYS, printWithContents } from '../reports/pdf/toc.js';
import { renderReport } from '../reports/render.js';
import { assembleReport } from '../reports/test-report/assemble.js';
import { renderReportDocx } from '../reports/docx/report.js';
import { measure, type BenchTable } from './table.js';

export interface ReportTarget {
  label: string;
  assessmentId: string;
  /** Repetitions of each measure (1 for the 300-object report: one print takes 15–60 s here). */
  runs: number;
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

export async function benchReports(knex: Knex, caller: Caller, catalogue: Catalogue, printer: PdfPrinter | undefined, targets: ReportTarget[], table: BenchTable): Promise<void> {
  const { exportWorkbookBench, importWorkbookBench } = await loadWorkbookBench();
  const assemble = (id: string) => assembleReport(knex, caller, catalogue, id, 'test_report', 'zh-CN', '2026-11-26');
  for (const t of targets) {
    const rows = Number((await knex('assessment_results').where({ assessment_id: t.assessmentId }).count({ n: '*' }).first())!.n);
    const section = `report: ${t.label} (${rows.toLocaleString('en')} results)`;
    const warmup = t.runs > 1 ? 1 : 0;
    if (printer) {
      const html = renderReport(await assemble(t.assessmentId));
      const header = { headerText: 'bench' };
      const raw = await measure(() => printer.pdf(html, header), t.runs, warmup);
      const full = await measure(async () => {
        const data = await assemble(t.assessmentId);
        return printWithContents(printer, (view) => renderReport(data, { ...view }), CONTENTS_KEYS, header, renderReport(data));
      }, t.runs, warmup);
      table.add({ section, name: 'Chromium alone printing the same HTML', stats: raw, figure: `${kib(raw.last.length)}, HTML ${(html.length / 1e6).toFixed(1)} M chars` });
      table.add({ section, name: 'PDF test report (assemble, render, print once + contents pages)', stats: full, figure: `ratio ${(full.median / raw.median).toFixed(2)}; ${kib(full.last.length)}`, target: 'ratio ≤ 2' });
    } else {
      table.add({ section, name: 'PDF test report', figure: 'skipped: no Chromium found' });
    }
    const docx = await measure(async () => renderReportDocx(await assemble(t.assessmentId)), t.runs, warmup);
    table.add({ section, name: 'docx test report', stats: docx, figure: kib(docx.last.length) });
    if (!exportWorkbookBench) continue;
    const exp = await measure(() => exportWorkbookBench(knex, caller, t.assessmentId), t.runs, warmup);
    const cells = await knex('assessment_results').where({ assessment_id: t.assessmentId }).select('code', 'object_key', 'value', 'record', 'row_version');
    const rawWrite = await measure(async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('raw');
      for (const c of cells) ws.addRow([c.code, c.object_key, c.record, c.value, c.row_version]);
      return Buffer.from(await wb.xlsx.writeBuffer());
    }, t.runs, warmup);
    table.add({ section, name: 'xlsx export', stats: exp, figure: `ratio ${(exp.median / rawWrite.median).toFixed(2)} to exceljs raw (${rawWrite.median.toFixed(0)} ms)` });
    if (!importWorkbookBench) continue;
    const imp = await measure(() => importWorkbookBench(knex, caller, t.assessmentId, exp.last), t.runs, warmup).catch((err: Error & { details?: Array<{ message: string }> }) => err);
    if (imp instanceof Error) {
      // E.g. 300 objects: the export writes a sheet per object, more than the import accepts.
      table.add({ section, name: 'xlsx import (dry run)', figure: `refused: ${imp.details?.[0]?.message ?? imp.message}` });
      continue;
    }
    const rawRead = await measure(async () => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(exp.last as never);
      let n = 0;
      wb.eachSheet((ws) => ws.eachRow(() => n++));
      return n;
    }, t.runs, warmup);
    table.add({ section, name: 'xlsx import (dry run)', stats: imp, figure: `ratio ${(imp.median / rawRead.median).toFixed(2)} to exceljs raw (${rawRead.median.toFixed(0)} ms)` });
  }
}

/** The workbook functions, when the workbook module provides bench entry points. */
async function loadWorkbookBench(): Promise<{
  exportWorkbookBench?: (knex: Knex, caller: Caller, id: string) => Promise<Buffer>;
  importWorkbookBench?: (knex: Knex, caller: Caller, id: string, file: Buffer) => Promise<unknown>;
}> {
  return (await import('./workbook-bench.js').catch(() => ({}))) as never;
}
