import type { Knex } from 'knex';

export const EVIDENCE_KINDS = ['screenshot', 'configuration', 'document', 'interview_record', 'scan_report', 'log_excerpt', 'certificate', 'other'] as const;

export async function up(knex: Knex): Promise<void> {
  // One row per stored file per organisation (content-addressed, deduplicated within the organisation).
  await knex.schema.createTable('evidence_blobs', (t) => {
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('RESTRICT');
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('media_type', 100).notNullable();
    t.string('stored_at', 32).notNullable();
    t.primary(['organization_id', 'hash']);
  });
  await knex.schema.createTable('evidence', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('RESTRICT');
    t.string('title', 200).notNullable();
    t.enu('kind', EVIDENCE_KINDS as unknown as string[]).notNullable();
    t.text('description');
    t.string('collected_at', 32).notNullable();
    t.string('collected_by', 100).notNullable();
    t.string('valid_until', 10); // YYYY-MM-DD, Asia/Shanghai
    t.string('source', 300);
    t.integer('current_version').notNullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.string('deleted_at', 32);
    t.uuid('deleted_by').references('users.id');
    t.string('delete_reason', 500);
    t.index(['organization_id', 'deleted_at']);
  });
  await knex.schema.createTable('evidence_tags', (t) => {
    t.uuid('evidence_id').notNullable().references('evidence.id').onDelete('CASCADE');
    t.string('tag', 50).notNullable();
    t.primary(['evidence_id', 'tag']);
    t.index(['tag']);
  });
  await knex.schema.createTable('evidence_versions', (t) => {
    t.uuid('id').primary();
    t.uuid('evidence_id').notNullable().references('evidence.id').onDelete('RESTRICT');
    t.uuid('organization_id').notNullable();
    t.integer('version').notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('media_type', 100).notNullable();
    t.string('original_name', 255).notNullable();
    t.uuid('uploaded_by').notNullable().references('users.id');
    t.string('uploaded_at', 32).notNullable();
    t.string('note', 500);
    t.unique(['evidence_id', 'version']);
    t.foreign(['organization_id', 'hash']).references(['organization_id', 'hash']).inTable('evidence_blobs');
  });
  // Typed links: later issues add target types (assessment results, findings, verifications).
  await knex.schema.createTable('evidence_links', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable();
    t.uuid('evidence_id').notNullable().references('evidence.id').onDelete('CASCADE');
    t.string('target_type', 32).notNullable();
    t.string('target_id', 100).notNullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.unique(['evidence_id', 'target_type', 'target_id']);
    t.index(['organization_id', 'target_type', 'target_id']);
  });
  // The evidence history: who did what, when (uploads, edits, links, deletion).
  await knex.schema.createTable('evidence_events', (t) => {
    t.increments('seq').primary(); // insertion order: several events can share a timestamp
    t.uuid('evidence_id').notNullable().references('evidence.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.string('at', 32).notNullable();
    t.uuid('user_id').notNullable().references('users.id');
    t.string('action', 32).notNullable();
    t.text('details');
    t.index(['evidence_id']);
  });
  await knex.schema.createTable('evidence_requests', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('RESTRICT');
    t.string('title', 200).notNullable();
    t.text('description');
    t.string('requested_from', 100).notNullable();
    t.string('due_date', 10).notNullable();
    t.string('target_type', 32);
    t.string('target_id', 100);
    t.enu('status', ['open', 'fulfilled', 'cancelled']).notNullable();
    t.uuid('fulfilled_evidence_id').references('evidence.id');
    t.string('fulfilled_at', 32);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['organization_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['evidence_requests', 'evidence_events', 'evidence_links', 'evidence_versions', 'evidence_tags', 'evidence', 'evidence_blobs']) {
    await knex.schema.dropTable(t);
  }
}
