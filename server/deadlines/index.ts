import type { Knex } from 'knex';
import type { OrganizationScope } from '../context.js';
import { addDays, daysBetween, todayInChina } from '../dates.js';

/** Something due on a date, with the rule that produced it. */
export interface Deadline {
  type: string;
  organizationId: string;
  dueDate: string; // YYYY-MM-DD, Asia/Shanghai
  daysLeft: number; // negative when overdue
  overdue: boolean;
  title: string;
  subject: { type: string; id: string };
  /** The system it concerns, when there is one (links on the dashboard, the `systemId` filter). */
  systemId?: string;
  rule: { zh: string; en: string; source: string };
}

export type DeadlineProvider = (ctx: {
  knex: Knex;
  scope: OrganizationScope;
  today: string;
  until: string;
}) => Promise<Array<Omit<Deadline, 'daysLeft' | 'overdue'>>>;

const providers: DeadlineProvider[] = [];

/** Each module with dates to watch (evidence, systems, findings…) registers its provider. */
export function registerDeadlineProvider(provider: DeadlineProvider): void {
  providers.push(provider);
}

/** What is due within `within` days (and everything overdue), across the caller's organisations. */
export async function listDeadlines(knex: Knex, scope: OrganizationScope, within: number, at = new Date()): Promise<Deadline[]> {
  const today = todayInChina(at);
  const until = addDays(today, within);
  // Computing them reads every system of the portfolio: kept per process under the organisations'
  // change counters (bumped by triggers, migration 20261201S), checked in one statement.
  const orgs = scope.organizationIds('read').sort();
  const stamp = await organizationsStamp(knex, orgs);
  // The test-cycle rule set can be switched by environment (filing-rules.ts): part of the key.
  const key = `${orgs.join(',')}|${today}|${within}|${process.env.DENGBAO_TEST_CYCLE_RULES ?? ''}`;
  const cache = computed.get(knex) ?? new Map<string, { stamp: string; list: Deadline[] }>();
  computed.set(knex, cache);
  const kept = cache.get(key);
  if (kept && kept.stamp === stamp) return [...kept.list];
  const lists = await Promise.all(providers.map((p) => p({ knex, scope, today, until })));
  const list = lists
    .flat()
    .filter((d) => d.dueDate <= until)
    .map((d) => ({ ...d, daysLeft: daysBetween(today, d.dueDate), overdue: d.dueDate < today }))
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.type.localeCompare(b.type) || a.subject.id.localeCompare(b.subject.id));
  cache.delete(key);
  if (cache.size >= KEPT_LISTS) cache.delete(cache.keys().next().value!);
  cache.set(key, { stamp, list });
  return [...list];
}

/** How many computed lists a process keeps per database (each up to a few MB at 10,000 systems). */
const KEPT_LISTS = 8;
const computed = new WeakMap<Knex, Map<string, { stamp: string; list: Deadline[] }>>();

async function organizationsStamp(knex: Knex, orgs: string[]): Promise<string> {
  if (!orgs.length) return '';
  const rows: Array<{ organization_id: string; version: number | string }> = await knex('organization_versions').whereIn('organization_id', orgs).select('organization_id', 'version');
  const v = new Map(rows.map((r) => [r.organization_id, String(r.version)]));
  return orgs.map((o) => v.get(o) ?? '0').join(',');
}
