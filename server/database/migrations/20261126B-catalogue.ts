import type { Knex } from 'knex';

// Catalogue versions are immutable: a changed catalogue is a new version, and assessments keep a
// reference to the version they used. `data` holds the whole item as JSON (the API shape).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('catalogue_versions', (t) => {
    t.uuid('id').primary();
    t.string('catalogue_id', 64).notNullable();
    t.string('version', 64).notNullable(); // declared version + content hash prefix
    t.string('content_hash', 64).notNullable().unique();
    t.integer('item_count').notNullable();
    t.string('loaded_at', 32).notNullable();
  });
  await knex.schema.createTable('catalogue_items', (t) => {
    t.uuid('catalogue_version_id').notNullable().references('catalogue_versions.id').onDelete('CASCADE');
    t.string('code', 16).notNullable();
    t.integer('level').notNullable();
    t.string('set', 16).notNullable();
    t.string('layer', 8).notNullable();
    t.string('control_point', 64).notNullable();
    t.string('clause', 32).notNullable();
    t.string('weight', 16).notNullable();
    t.text('data').notNullable();
    t.primary(['catalogue_version_id', 'code']);
  });
  await knex.schema.createTable('high_risk_cases', (t) => {
    t.uuid('catalogue_version_id').notNullable().references('catalogue_versions.id').onDelete('CASCADE');
    t.string('case_id', 16).notNullable();
    t.string('extension', 16).notNullable();
    t.integer('min_level').notNullable();
    t.text('data').notNullable();
    t.primary(['catalogue_version_id', 'case_id']);
  });
  await knex.schema.createTable('high_risk_case_units', (t) => {
    t.uuid('catalogue_version_id').notNullable().references('catalogue_versions.id').onDelete('CASCADE');
    t.string('case_id', 16).notNullable();
    t.string('code', 16).notNullable();
    t.primary(['catalogue_version_id', 'case_id', 'code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('high_risk_case_units');
  await knex.schema.dropTable('high_risk_cases');
  await knex.schema.dropTable('catalogue_items');
  await knex.schema.dropTable('catalogue_versions');
}
