/**
 * npm run bench — report performance on the demo assessment and on a 40-object level-3 assessment:
 * PDF time against Chromium printing the same pre-rendered HTML, xlsx export/import against exceljs
 * writing/reading the same cells raw, and peak memory. Prints figures and ratios; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import { shippedCatalogue } from '../server/catalogue/index.js';
import { createDatabase, migrateLatest, type Knex } from '../server/database/index.js';
import { loadCaller } from '../server/services/callers.js';
import { loadDemoData } from '../server/services/demo.js';
import { FsBlobStore } from '../server/storage/fs-blob-store.js';
import { AssessmentsService } from '../server/assessments/service.js';
import { ObjectsService } from '../server/assessments/objects.js';
import { ResultsService } from '../server/assessments/results.js';
import { SystemsService } from '../server/systems/service.js';
import { GradingsService } from '../server/systems/gradings.js';
import { findChromium, PdfPrinter } from '../reports/pdf/chromium.js';
import { renderReport } from '../reports/render.js';
import { assembleReport } from '../reports/test-report/assemble.js';
import { renderReportDocx } from '../reports/docx/report.js';
import type { Caller } from '../server/context.js';

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function time<T>(fn: () => Promise<T>, runs = 3): Promise<{ value: T; ms: number }> {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { value, ms: best };
}

/** Peak RSS of this process while `fn` runs (sampled every 10 ms). */
async function peakDuring<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number; start: number }> {
  const start = process.memoryUsage().rss;
  let top = start;
  const t = setInterval(() => (top = Math.max(top, process.memoryUsage().rss)), 10);
  try {
    const value = await fn();
    return { value, start, peak: Math.max(top, process.memoryUsage().rss) };
  } finally {
    clearInterval(t);
  }
}

async function bigAssessment(knex: Knex, caller: Caller): Promise<string> {
  const ctx = { knex, caller };
  const org = [...caller.memberships.keys()][0]!;
  const sys = await new SystemsService(ctx).create(org, { name: 'Bench system (40 objects)', deployment: 'on_premises' });
  await new GradingsService(ctx).create(sys.id, { businessHarms: [{ object: 'social', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }], rationale: 'benchmark system graded at level 3', gradedOn: '2026-01-05' });
  const cats = ['network_device', 'security_device', 'server_storage', 'server_storage', 'terminal', 'management_platform', 'business_application', 'data_resource'];
  await new ObjectsService(ctx).create(sys.id, Array.from({ length: 40 }, (_, i) => ({ category: cats[i % cats.length]!, name: `OBJ-${String(i + 1).padStart(2, '0')}`, importance: 'key' as const })));
  const a = await new AssessmentsService(ctx, shippedCatalogue()).create({ systemId: sys.id, kind: 'formal_test' });
  const results = new ResultsService(ctx);
  const rows = await results.list(a.id);
  const values = ['conform', 'conform', 'conform', 'partial', 'nonconform', 'na'] as const;
  await results.bulk(a.id, rows.map((r, i) => ({ code: r.code, objectId: r.objectId, value: values[i % values.length]!, record: `核查记录 ${i}`, rowVersion: r.rowVersion })));
  return a.id;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-bench-'));
  const filename = path.join(dir, 'bench.sqlite');
  const knex = createDatabase({ engine: 'sqlite', url: `sqlite:${filename}`, filename, poolMax: 1 });
  const printer = new PdfPrinter(findChromium(process.env.CHROMIUM_PATH));
  try {
    await migrateLatest(knex);
    await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(dir, 'evidence')) });
    const officer = await knex('users').where({ username: 'officer' }).first();
    const caller = (await loadCaller(knex, officer.id, 'session'))!;
    const demo = (await knex('assessments').where({ kind: 'formal_test' }).first()).id as string;
    const big = await bigAssessment(knex, caller);
    const cat = shippedCatalogue();
    const { exportWorkbookBench, importWorkbookBench } = await loadWorkbookBench();
    console.log('dengbao bench (best of 3 runs each; SQLite)\n');
    for (const [label, id] of [['demo assessment', demo], ['40-object level-3 assessment', big]] as const) {
      const rows = (await knex('assessment_results').where({ assessment_id: id }).count({ n: '*' }).first())!.n;
      console.log(`${label}: ${rows} results`);
      let pdfMs: number | undefined;
      if (printer.available) {
        await printer.pdf('<p>warm-up</p>');
        const html = renderReport(await assembleReport(knex, caller, cat, id, 'test_report', 'zh-CN', '2026-11-26'));
        const full = await time(async () => printer.pdf(renderReport(await assembleReport(knex, caller, cat, id, 'test_report', 'zh-CN', '2026-11-26'))));
        const raw = await time(() => printer.pdf(html));
        console.log(`  PDF test report: ${ms(full.ms)} (${(full.value.length / 1024).toFixed(0)} KiB); Chromium printing the same HTML: ${ms(raw.ms)}; ratio ${(full.ms / raw.ms).toFixed(2)}`);
        pdfMs = full.ms;
        const pdfPeak = await peakDuring(async () => printer.pdf(renderReport(await assembleReport(knex, caller, cat, id, 'test_report', 'zh-CN', '2026-11-26'))));
        console.log(`  PDF peak memory: ${mb(pdfPeak.peak)} RSS, +${mb(pdfPeak.peak - pdfPeak.start)} while printing (this process; Chromium's own excluded)`);
      } else {
        console.log('  PDF: skipped (no Chromium found)');
      }
      // Word: the same assembled data, built with the docx library (no browser involved).
      const docx = await time(async () => renderReportDocx(await assembleReport(knex, caller, cat, id, 'test_report', 'zh-CN', '2026-11-26')));
      const docxPeak = await peakDuring(async () => renderReportDocx(await assembleReport(knex, caller, cat, id, 'test_report', 'zh-CN', '2026-11-26')));
      console.log(`  docx test report: ${ms(docx.ms)} (${(docx.value.length / 1024).toFixed(0)} KiB)${pdfMs ? `; ${(docx.ms / pdfMs).toFixed(2)}× the PDF's time` : ''}; peak memory ${mb(docxPeak.peak)} RSS, +${mb(docxPeak.peak - docxPeak.start)} while building`);
      if (exportWorkbookBench) {
        const exp = await time(() => exportWorkbookBench(knex, caller, id));
        const cells = await knex('assessment_results').where({ assessment_id: id }).select('code', 'object_key', 'value', 'record', 'row_version');
        const rawWrite = await time(async () => {
          const wb = new ExcelJS.Workbook();
          const ws = wb.addWorksheet('raw');
          for (const c of cells) ws.addRow([c.code, c.object_key, c.record, c.value, c.row_version]);
          return Buffer.from(await wb.xlsx.writeBuffer());
        });
        console.log(`  xlsx export: ${ms(exp.ms)}; exceljs writing the same ${cells.length} rows raw: ${ms(rawWrite.ms)}; ratio ${(exp.ms / rawWrite.ms).toFixed(2)}`);
        if (importWorkbookBench) {
          const imp = await time(() => importWorkbookBench(knex, caller, id, exp.value));
          const rawRead = await time(async () => {
            const wb = new ExcelJS.Workbook();
            await wb.xlsx.load(exp.value as never);
            let n = 0;
            wb.eachSheet((ws) => ws.eachRow(() => n++));
            return n;
          });
          console.log(`  xlsx import (dry run): ${ms(imp.ms)}; exceljs reading the same file raw: ${ms(rawRead.ms)}; ratio ${(imp.ms / rawRead.ms).toFixed(2)}`);
        }
      } else {
        console.log('  xlsx: skipped (workbook module not available)');
      }
    }
    console.log(`\npeak memory (RSS of this process, Chromium excluded): ${mb(peak)}`);
  } finally {
    clearInterval(sampler);
    await printer.close();
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The workbook functions, when the workbook module provides bench entry points. */
async function loadWorkbookBench(): Promise<{
  exportWorkbookBench?: (knex: Knex, caller: Caller, id: string) => Promise<Buffer>;
  importWorkbookBench?: (knex: Knex, caller: Caller, id: string, file: Buffer) => Promise<unknown>;
}> {
  return (await import('./workbook-bench.js')) as never;
}

await main();
