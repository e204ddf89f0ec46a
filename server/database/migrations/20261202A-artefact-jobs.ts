import type { Knex } from 'knex';

// The evidence pack, the record workbook and a workbook import's apply run as jobs in the
// reports table (the same lifecycle: queued → running → done/failed, archived blob, SHA-256).
// A failure keeps its typed error (code, status, params, details) so the request that waits for
// the job can answer with the very error the synchronous route gave; an import keeps the
// uploaded workbook it applies (content-addressed, in the store).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => {
    t.string('error_code', 64);
    t.text('error_data');
    t.string('input_hash', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumn('error_code');
    t.dropColumn('error_data');
    t.dropColumn('input_hash');
  });
}
