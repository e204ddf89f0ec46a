import type { Knex } from 'knex';

/**
 * 重大风险隐患 (major risk hazards) of an assessment, their own records apart from findings: a
 * trigger of appendix G table 1 (A-01…A-32), the findings they rest on, the three principles with
 * reasons, and the status suspected → confirmed → remediated with the date of each step. Numbers
 * Z01… are given once (seq never reused: a removed hazard is only marked deleted). Adds tables
 * only: every existing row is kept as it is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hazards', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.integer('seq').notNullable();
    t.string('number', 8).notNullable(); // Z01…, never renumbered
    t.string('trigger_code', 8).notNullable(); // A-01…A-32
    t.text('description');
    t.text('relevance_reason'); // 相关性
    t.text('severity_reason'); // 严重性
    t.text('prevalence_reason'); // 高发性
    t.enu('status', ['suspected', 'confirmed', 'remediated']).notNullable();
    t.string('suspected_on', 10).notNullable();
    t.string('confirmed_on', 10);
    t.string('remediated_on', 10);
    t.integer('row_version').notNullable().defaultTo(1);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.string('deleted_at', 32);
    t.unique(['assessment_id', 'seq']);
  });
  // The findings a hazard rests on (one or several, any risk level, same assessment). A finding a
  // hazard rests on cannot be deleted (no cascade): unlink it from the hazard first.
  await knex.schema.createTable('hazard_findings', (t) => {
    t.uuid('hazard_id').notNullable().references('hazards.id').onDelete('CASCADE');
    t.uuid('finding_id').notNullable().references('findings.id');
    t.uuid('organization_id').notNullable();
    t.primary(['hazard_id', 'finding_id']);
    t.index(['finding_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('hazard_findings');
  await knex.schema.dropTable('hazards');
}
