import type { Knex } from 'knex';

/**
 * The 2025 filing rules (公网安〔2025〕1846号): a filing records when it was re-filed with the
 * 2025 templates and carries its 数据摸底调查表 (data survey, JSON: one entry per data category);
 * level-3+ systems keep a yearly 保护工作方案 (protection work plan). Adds columns and a table
 * only: every existing filing is kept as it is (no re-filing date, no survey yet). Assessments may
 * carry additional items beyond the catalogue (level 5: GA/T 2182-2024).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('filings', (t) => {
    t.string('refiled_on', 10);
    t.text('data_survey');
  });
  await knex.schema.createTable('protection_plans', (t) => {
    t.uuid('id').primary();
    t.uuid('system_id').notNullable().references('systems.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.integer('year').notNullable();
    t.text('content').notNullable(); // JSON: assets, measures, hazards with causes, approach, plan
    t.string('adopted_on', 10); // the date the plan was adopted (the yearly deadline counts from it)
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['system_id', 'year']);
  });
  // An assessment's additional items beyond the catalogue (e.g. GA/T 2182-2024 checks of a level-5
  // system): the assessor's own codes (X-…), one result each, counted in the rate as set `additional`.
  await knex.schema.createTable('assessment_extra_items', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.string('code', 40).notNullable();
    t.string('title', 300).notNullable();
    t.text('requirement');
    t.string('source', 200);
    t.enu('value', ['conform', 'partial', 'nonconform', 'na']);
    t.text('record');
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['assessment_id', 'code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('assessment_extra_items');
  await knex.schema.dropTable('protection_plans');
  await knex.schema.alterTable('filings', (t) => {
    t.dropColumn('data_survey');
    t.dropColumn('refiled_on');
  });
}
