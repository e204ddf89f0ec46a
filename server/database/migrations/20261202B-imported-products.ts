import type { Knex } from 'knex';

// A vendor's OSCAL component-definition imported as an organisation's own product mapping: one
// row per component (software / service / hardware), with the units it helps meet. Deployed on
// systems like the catalogue's products (deployed_products.product_id = product_id). A re-import
// of the same document (its uuid) replaces the document's rows.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('imported_products', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.string('product_id', 100).notNullable(); // `oscal-<component uuid>`: stable across re-imports
    t.string('document_uuid', 36).notNullable();
    t.string('document_title', 500).notNullable();
    t.string('document_version', 100).notNullable();
    t.string('vendor', 200).notNullable();
    t.string('name', 500).notNullable();
    t.string('component_type', 20).notNullable();
    t.string('description', 2000);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.unique(['organization_id', 'product_id']);
    t.index(['organization_id', 'document_uuid']);
  });
  await knex.schema.createTable('imported_product_units', (t) => {
    t.uuid('imported_product_id').notNullable().references('imported_products.id').onDelete('CASCADE');
    t.string('code', 16).notNullable();
    t.enu('coverage', ['full', 'partial']).notNullable();
    t.string('how', 1000).notNullable();
    t.primary(['imported_product_id', 'code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('imported_product_units');
  await knex.schema.dropTable('imported_products');
}
