import type { Knex } from 'knex';
import { LAYER_CODES } from '../catalogue/schema.js';
import { lockRow } from '../database/locking.js';

const RISK_ORDER = { high: 0, medium: 1, low: 2 } as const;

/** The effective risk of a finding: lowered by a compensating measure (修正) when one is recorded. */
export const effectiveRisk = (f: Record<string, any>): 'high' | 'medium' | 'low' =>
  (f.risk_after_mitigation ?? f.risk) as 'high' | 'medium' | 'low';

/** Layer order of a finding: its earliest layer among the units it concerns. */
function layerOrder(units: string[]): number {
  const orders = units.map((u) => LAYER_CODES.indexOf((/^L\d-([A-Z]{3})/.exec(u)?.[1] ?? '') as (typeof LAYER_CODES)[number])).filter((i) => i >= 0);
  return orders.length ? Math.min(...orders) : LAYER_CODES.length;
}

export const findingNumber = (n: number) => `T${String(n).padStart(3, '0')}`;
const numberValue = (number: string) => Number(/^T(\d+)$/.exec(number)?.[1] ?? 0);

/**
 * The next T-number of an assessment. Numbers people cite never change: a finding gets its
 * number once, at creation, and keeps it whatever happens to its risk; a deleted finding's number
 * is never given again (the assessment counts the numbers it has given). The assessment row is
 * locked first, so two findings created at once on PostgreSQL queue up instead of sharing a number.
 */
export async function nextFindingNumber(trx: Knex.Transaction, assessmentId: string): Promise<string> {
  const a = await lockRow<{ finding_counter: number }>(trx, 'assessments', { id: assessmentId });
  const n = Number(a?.finding_counter ?? 0) + 1;
  await trx('assessments').where({ id: assessmentId }).update({ finding_counter: n });
  return findingNumber(n);
}

/** Moves an assessment's counter past `number` (carried-over findings keep their numbers). */
export async function reserveFindingNumber(trx: Knex, assessmentId: string, upTo: number): Promise<void> {
  await trx('assessments').where({ id: assessmentId }).andWhere('finding_counter', '<', upTo).update({ finding_counter: upTo });
}
export { numberValue as findingNumberValue };

/**
 * The order a report lists findings in: risk (high → low), then layer, then number. Only the
 * order: every finding prints its own stable number.
 */
export function byRisk<F extends { number: string; effectiveRisk: 'high' | 'medium' | 'low'; units: string[] }>(findings: F[]): F[] {
  return [...findings].sort(
    (a, b) => RISK_ORDER[a.effectiveRisk] - RISK_ORDER[b.effectiveRisk] || layerOrder(a.units) - layerOrder(b.units) || numberValue(a.number) - numberValue(b.number),
  );
}
