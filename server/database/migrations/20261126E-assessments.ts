import type { Knex } from 'knex';

export const OBJECT_CATEGORIES_NO_SYSTEM = [
  'machine_room', 'network_device', 'security_device', 'server_storage', 'terminal', 'other_device',
  'management_platform', 'business_application', 'data_resource', 'crypto_product', 'security_personnel', 'management_document',
] as const;
export const RESULT_VALUES = ['not_assessed', 'conform', 'partial', 'nonconform', 'na'] as const;

export async function up(knex: Knex): Promise<void> {
  // 测评对象: the assets of a system that units are tested on.
  await knex.schema.createTable('assessed_objects', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.uuid('system_id').notNullable().references('systems.id').onDelete('CASCADE');
    t.enu('category', OBJECT_CATEGORIES_NO_SYSTEM as unknown as string[]).notNullable();
    t.string('name', 200).notNullable();
    t.string('ip', 100);
    t.string('model', 200);
    t.string('version', 100);
    t.string('location', 200);
    t.enu('importance', ['key', 'important', 'general']).notNullable();
    t.boolean('selected').notNullable().defaultTo(true);
    t.text('notes');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['system_id', 'name']);
  });
  await knex.schema.createTable('assessments', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.uuid('system_id').notNullable().references('systems.id');
    t.enu('kind', ['self_assessment', 'gap_analysis', 'formal_test']).notNullable();
    t.integer('level').notNullable();
    t.uuid('catalogue_version_id').notNullable().references('catalogue_versions.id');
    t.text('requirement_sets').notNullable(); // JSON ["general", "cloud"]
    t.string('scheme', 32).notNullable();
    t.string('assessing_organization', 200);
    t.string('assessing_organization_code', 4);
    t.string('report_number', 64);
    t.string('start_date', 10);
    t.string('end_date', 10);
    t.enu('status', ['draft', 'in_progress', 'review', 'completed', 'locked']).notNullable();
    t.integer('revision').notNullable().defaultTo(1);
    t.uuid('previous_revision_id').references('assessments.id');
    t.uuid('retest_of_id').references('assessments.id');
    t.text('conclusion_override'); // JSON { conclusion, reason, by, at }
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['system_id']);
  });
  // One row per test unit × assessed object (object_key 'system' for units tested once per system).
  await knex.schema.createTable('assessment_results', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.string('code', 16).notNullable();
    t.string('object_key', 36).notNullable();
    t.enu('value', RESULT_VALUES as unknown as string[]).notNullable().defaultTo('not_assessed');
    t.text('record');
    t.text('methods'); // JSON ["interview", ...]
    t.boolean('inherited').notNullable().defaultTo(false);
    t.uuid('assessed_by').references('users.id');
    t.string('assessed_at', 32);
    t.integer('row_version').notNullable().defaultTo(1);
    t.unique(['assessment_id', 'code', 'object_key']);
  });
  // 安全问题
  await knex.schema.createTable('findings', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.integer('seq').notNullable(); // creation order within the assessment
    t.string('number', 8).notNullable(); // T001…, recomputed on every change
    t.string('title', 300).notNullable();
    t.text('description');
    t.text('units').notNullable(); // JSON [code]
    t.text('objects').notNullable(); // JSON [object id | "system"]
    t.text('threat');
    t.text('harm');
    t.enu('risk', ['high', 'medium', 'low']).notNullable();
    t.string('high_risk_case_id', 16);
    t.enu('high_risk_status', ['none', 'suggested', 'confirmed', 'dismissed']).notNullable().defaultTo('none');
    t.string('high_risk_reason', 1000);
    t.text('mitigation'); // 修正: compensating measure
    t.enu('risk_after_mitigation', ['high', 'medium', 'low']);
    t.string('mitigation_reason', 1000);
    t.text('recommendation');
    t.boolean('previous').notNullable().defaultTo(false); // carried from the previous test (appendix B)
    t.uuid('carried_from_id');
    t.integer('row_version').notNullable().defaultTo(1);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['assessment_id', 'seq']);
  });
  // 整改: one plan per finding.
  await knex.schema.createTable('remediations', (t) => {
    t.uuid('finding_id').primary().references('findings.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.string('owner', 100);
    t.string('due_date', 10);
    t.enu('status', ['open', 'in_progress', 'fixed', 'verified', 'risk_accepted']).notNullable();
    t.string('reason', 1000);
    t.uuid('decided_by').references('users.id');
    t.string('updated_at', 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['remediations', 'findings', 'assessment_results', 'assessments', 'assessed_objects']) await knex.schema.dropTable(t);
}
