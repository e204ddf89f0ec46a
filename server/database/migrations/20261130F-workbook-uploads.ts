import type { Knex } from 'knex';

// Workbook files uploaded for a preview-then-apply import are kept in the blob store: register
// them so `dengbao evidence verify` and backups know every stored file (evidence_blobs and
// reports.hash register the others).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workbook_uploads', (t) => {
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('RESTRICT');
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.uuid('assessment_id').notNullable().references('assessments.id');
    t.uuid('uploaded_by').notNullable().references('users.id');
    t.string('uploaded_at', 32).notNullable();
    t.primary(['organization_id', 'hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('workbook_uploads');
}
