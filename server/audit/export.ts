import type ExcelJS from 'exceljs';
import { lazy } from '../lazy.js';
import type { AuditEntryView } from './service.js';

const excel = lazy<typeof ExcelJS>('exceljs');

const COLUMNS: Array<[string, (e: AuditEntryView) => string | number | null]> = [
  ['seq', (e) => e.seq],
  ['at', (e) => e.at],
  ['actor', (e) => e.actorName],
  ['organization', (e) => e.organizationId],
  ['ip', (e) => e.ip],
  ['user_agent', (e) => e.userAgent],
  ['action', (e) => e.action],
  ['target_type', (e) => e.targetType],
  ['target_id', (e) => e.targetId],
  ['status', (e) => e.status],
  ['changes', (e) => (e.changes === null ? null : JSON.stringify(e.changes))],
  ['hash', (e) => e.hash],
];

/** A cell a spreadsheet will not run as a formula (=, +, -, @ at the start). */
const inert = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
const csvCell = (v: string | number | null) => {
  if (v === null) return '';
  const s = inert(String(v));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function* auditCsv(entries: AsyncIterable<AuditEntryView>): AsyncGenerator<string> {
  yield '\ufeff' + COLUMNS.map(([h]) => h).join(',') + '\r\n';
  for await (const e of entries) yield COLUMNS.map(([, f]) => csvCell(f(e))).join(',') + '\r\n';
}

export async function auditXlsx(entries: AsyncIterable<AuditEntryView>, title: string): Promise<Buffer> {
  const wb = new (excel().Workbook)();
  const ws = wb.addWorksheet(title.slice(0, 31) || 'audit');
  ws.columns = COLUMNS.map(([h]) => ({ header: h, key: h, width: h === 'changes' ? 80 : 20 }));
  for await (const e of entries) ws.addRow(COLUMNS.map(([, f]) => { const v = f(e); return typeof v === 'string' ? inert(v) : v; }));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
