import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A certified cloud platform and its own MLPS conclusion, which tenants reuse for provider units.
  await knex.schema.createTable('platforms', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').references('organizations.id'); // null: shared, published by an admin
    t.boolean('published').notNullable().defaultTo(false);
    t.string('provider', 100).notNullable();
    t.string('product', 200).notNullable();
    t.string('deployment', 200);
    t.string('region', 100);
    t.integer('level').notNullable();
    t.string('report_number', 64).notNullable();
    t.string('assessing_organization', 200).notNullable();
    t.string('conclusion', 16).notNullable();
    t.string('test_date', 10).notNullable();
    t.string('valid_until', 10).notNullable();
    t.uuid('report_evidence_id').references('evidence.id');
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  // Overrides of the default responsibility matrix (derived from the catalogue's cloudResponsibility).
  await knex.schema.createTable('platform_responsibilities', (t) => {
    t.uuid('platform_id').notNullable().references('platforms.id').onDelete('CASCADE');
    t.string('code', 16).notNullable();
    t.enu('responsibility', ['provider', 'shared', 'tenant']).notNullable();
    t.enu('platform_result', ['conform', 'partial', 'nonconform', 'na']);
    t.string('note', 500);
    t.primary(['platform_id', 'code']);
  });
  await knex.schema.createTable('deployed_products', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.uuid('system_id').notNullable().references('systems.id').onDelete('CASCADE');
    t.string('product_id', 100).notNullable();
    t.string('since', 10);
    t.string('notes', 1000);
    t.uuid('evidence_id').references('evidence.id');
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.unique(['system_id', 'product_id']);
  });
  await knex.schema.alterTable('assessments', (t) => {
    t.text('inheritance'); // JSON: platform, state, reason, inherited units, checked at
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assessments', (t) => t.dropColumn('inheritance'));
  for (const t of ['deployed_products', 'platform_responsibilities', 'platforms']) await knex.schema.dropTable(t);
}
