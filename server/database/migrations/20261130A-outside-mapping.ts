import type { Knex } from 'knex';

// Result rows outside the catalogue's default object mapping: a unit judged on an object whose
// category the catalogue does not map it to, or a per-object unit judged once for the whole
// system (field workbooks do both). Marked so the assessor sees and can remove them, and so the
// scope sync keeps them. Existing rows are all inside the default mapping (false).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assessment_results', (t) => {
    t.boolean('outside_mapping').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assessment_results', (t) => {
    t.dropColumn('outside_mapping');
  });
}
