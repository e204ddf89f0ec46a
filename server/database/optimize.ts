import type { Knex } from 'knex';
import { engineOf } from './index.js';

/**
 * After a bulk load (a generated portfolio) on PostgreSQL: the statistics and visibility map that
 * autovacuum would soon have (without them the planner reads every row for a count). SQLite is
 * left without statistics on purpose: with them its planner chose worse plans for ordered list
 * pages (an evidence page 1.4 → 2.6 ms at 10,000 systems); its indexes are laid out for the
 * planner's defaults (see migration 20261203B).
 */
export async function analyzeAfterBulkLoad(knex: Knex): Promise<void> {
  if (engineOf(knex) === 'postgres') await knex.raw('VACUUM ANALYZE');
}
