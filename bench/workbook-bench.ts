// Bench entry points for the workbook round-trip (loaded by bench/run.ts).
import type { Knex } from 'knex';
import type { Caller } from '../server/context.js';
import { WorkbookService } from '../reports/workbook/service.js';

export async function exportWorkbookBench(knex: Knex, caller: Caller, id: string): Promise<Buffer> {
  return (await new WorkbookService({ knex, caller }).export(id, 'zh-CN')).buffer;
}

export async function importWorkbookBench(knex: Knex, caller: Caller, id: string, file: Buffer): Promise<unknown> {
  return new WorkbookService({ knex, caller }).import(id, file, { dryRun: true });
}
