import type { Knex } from 'knex';

/**
 * Values computed from a whole portfolio (deadlines, the dashboard's counts), kept per process
 * under the organisations' change counters: `organization_versions`, bumped by database triggers
 * on every write to the tables they come from (migration 20261201S). One statement tells whether
 * a kept value still holds, after a write by this process, another one or raw SQL alike.
 */
export class KeptByOrganizations<T> {
  private readonly byDb = new WeakMap<Knex, Map<string, { stamp: string; value: T }>>();

  /** `max` values per database: each may be a few MB at 10,000 systems. */
  constructor(private readonly max = 8) {}

  async get(knex: Knex, organizationIds: readonly string[], key: string, compute: () => Promise<T>): Promise<T> {
    const orgs = [...organizationIds].sort();
    const stamp = await organizationsStamp(knex, orgs);
    const k = `${orgs.join(',')}|${key}`;
    const cache = this.byDb.get(knex) ?? new Map<string, { stamp: string; value: T }>();
    this.byDb.set(knex, cache);
    const kept = cache.get(k);
    if (kept && kept.stamp === stamp) return kept.value;
    // Computed after the stamp was read: a write in between makes the next stamp differ, never a stale hit.
    const value = await compute();
    cache.delete(k);
    if (cache.size >= this.max) cache.delete(cache.keys().next().value!);
    cache.set(k, { stamp, value });
    return value;
  }
}

export async function organizationsStamp(knex: Knex, orgs: readonly string[]): Promise<string> {
  if (!orgs.length) return '';
  const rows: Array<{ organization_id: string; version: number | string }> = await knex('organization_versions').whereIn('organization_id', [...orgs]).select('organization_id', 'version');
  const v = new Map(rows.map((r) => [r.organization_id, String(r.version)]));
  return orgs.map((o) => v.get(o) ?? '0').join(',');
}
