import type { Knex } from 'knex';

type Row = Record<string, any>;
/** Databases (by their client's config, shared with their transactions) known to have the tables. */
const ready = new WeakSet<object>();

/** The verification items a finding was raised from (the other direction of the link). */
export async function findingSources(knex: Knex, findingIds: string[]): Promise<Map<string, Array<{ type: 'scan_vulnerability' | 'pentest_case'; id: string; label: string }>>> {
  const out = new Map<string, Array<{ type: 'scan_vulnerability' | 'pentest_case'; id: string; label: string }>>();
  if (!findingIds.length) return out;
  // A database migrated only up to an earlier version (migration tests load the demo there) has no such tables yet.
  const key = ((knex as unknown as { client?: { config?: object } }).client?.config ?? knex) as object;
  if (!ready.has(key)) {
    if (!(await knex.schema.hasTable('scan_vulnerabilities'))) return out;
    ready.add(key);
  }
  const add = (fid: string, x: { type: 'scan_vulnerability' | 'pentest_case'; id: string; label: string }) => out.set(fid, [...(out.get(fid) ?? []), x]);
  for (const v of (await knex('scan_vulnerabilities').join('scans', 'scans.id', 'scan_vulnerabilities.scan_id').whereIn('scan_vulnerabilities.finding_id', findingIds).select('scan_vulnerabilities.id', 'scan_vulnerabilities.finding_id', 'scan_vulnerabilities.title', 'scans.number')) as Row[]) {
    add(v.finding_id, { type: 'scan_vulnerability', id: v.id, label: `${v.number} ${v.title}` });
  }
  for (const p of (await knex('pentest_cases').whereIn('finding_id', findingIds).select('id', 'finding_id', 'number', 'method')) as Row[]) {
    add(p.finding_id, { type: 'pentest_case', id: p.id, label: `${p.number} ${p.method}` });
  }
  return out;
}
