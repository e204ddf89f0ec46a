import type { Knex } from 'knex';

// A workbook import's apply keeps its result (the diff and counts, as JSON) on its job's row in
// the same transaction as the results it writes: a retry after a crash between the apply and the
// archive of the result (the job's completion) returns that result instead of applying the
// workbook a second time (which finds nothing left to change and reports 0 applied, or refuses
// rows changed since as stale).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => {
    t.text('result_data');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumn('result_data');
  });
}
