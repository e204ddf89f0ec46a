import type { Knex } from 'knex';

/**
 * Word output: organisation templates (versioned; each version a blob in the organisation's
 * content-addressed store), the template version each report was filled on, and the archive of
 * lifecycle documents (grading report, filing form, expert review) generated for a system.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_templates', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.string('name', 200).notNullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.unique(['organization_id', 'name']);
  });
  await knex.schema.createTable('report_template_versions', (t) => {
    t.uuid('id').primary();
    t.uuid('template_id').notNullable().references('report_templates.id');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.integer('version').notNullable();
    t.string('file_name', 255).notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.text('fields').notNullable(); // JSON: the placeholders the template uses
    t.uuid('uploaded_by').notNullable().references('users.id');
    t.string('uploaded_at', 32).notNullable();
    t.unique(['template_id', 'version']);
  });
  await knex.schema.alterTable('reports', (t) => {
    t.uuid('template_id').nullable().references('report_templates.id');
    t.integer('template_version').nullable();
  });
  await knex.schema.createTable('system_documents', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.uuid('system_id').notNullable().references('systems.id');
    t.string('type', 32).notNullable();
    t.string('format', 8).notNullable();
    t.string('lang', 8).notNullable();
    t.integer('grading_version'); // the grading the document was generated from, if any
    t.string('file_name', 255).notNullable();
    t.string('media_type', 100).notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('generator', 64).notNullable();
    t.uuid('requested_by').notNullable().references('users.id');
    t.string('requested_at', 32).notNullable();
    t.index(['system_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('system_documents');
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumn('template_version');
    t.dropColumn('template_id');
  });
  await knex.schema.dropTable('report_template_versions');
  await knex.schema.dropTable('report_templates');
}
