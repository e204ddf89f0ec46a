import type { Knex } from 'knex';
import { LAYER_CODES } from '../catalogue/schema.js';

const RISK_ORDER = { high: 0, medium: 1, low: 2 } as const;

/** The effective risk of a finding: lowered by a compensating measure (修正) when one is recorded. */
export const effectiveRisk = (f: Record<string, any>): 'high' | 'medium' | 'low' =>
  (f.risk_after_mitigation ?? f.risk) as 'high' | 'medium' | 'low';

/** Layer order of a finding: its earliest layer among the units it concerns. */
function layerOrder(units: string[]): number {
  const orders = units.map((u) => LAYER_CODES.indexOf((/^L\d-([A-Z]{3})/.exec(u)?.[1] ?? '') as (typeof LAYER_CODES)[number])).filter((i) => i >= 0);
  return orders.length ? Math.min(...orders) : LAYER_CODES.length;
}

/**
 * Numbers an assessment's findings T001, T002… ordered by risk (high → low), then layer, then
 * creation. Deterministic: the same findings always get the same numbers.
 */
export async function renumberFindings(trx: Knex, assessmentId: string): Promise<void> {
  const rows: Array<Record<string, any>> = await trx('findings').where({ assessment_id: assessmentId }).select('id', 'seq', 'risk', 'risk_after_mitigation', 'units', 'number');
  const sorted = rows
    .map((r) => ({ id: r.id as string, number: r.number as string, order: [RISK_ORDER[effectiveRisk(r)], layerOrder(JSON.parse(r.units)), Number(r.seq)] as const }))
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  for (const [i, r] of sorted.entries()) {
    const number = `T${String(i + 1).padStart(3, '0')}`;
    if (r.number !== number) await trx('findings').where({ id: r.id }).update({ number });
  }
}
