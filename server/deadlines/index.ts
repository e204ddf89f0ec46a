import type { Knex } from 'knex';
import type { OrganizationScope } from '../context.js';
import { addDays, daysBetween, todayInChina } from '../dates.js';
import { KeptByOrganizations } from '../database/kept.js';

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
  // change counters (server/database/kept.ts). The test-cycle rule set can be switched by environment (filing-rules.ts).
  const key = `${today}|${within}|${process.env.DENGBAO_TEST_CYCLE_RULES ?? ''}`;
  const list = await kept.get(knex, scope.organizationIds('read'), key, async () => {
    const lists = await Promise.all(providers.map((p) => p({ knex, scope, today, until })));
    return lists
      .flat()
      .filter((d) => d.dueDate <= until)
      .map((d) => ({ ...d, daysLeft: daysBetween(today, d.dueDate), overdue: d.dueDate < today }))
      .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.type.localeCompare(b.type) || a.subject.id.localeCompare(b.subject.id));
  });
  return [...list];
}

const kept = new KeptByOrganizations<Deadline[]>();
