import type { Knex } from 'knex';

// Generated reports: the job (status, progress) and, once done, the immutable archive entry.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reports', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.uuid('assessment_id').notNullable().references('assessments.id');
    t.integer('assessment_revision').notNullable();
    t.string('type', 32).notNullable();
    t.string('format', 8).notNullable();
    t.string('lang', 8).notNullable();
    t.enu('status', ['queued', 'running', 'done', 'failed']).notNullable();
    t.integer('progress').notNullable().defaultTo(0);
    t.string('error', 1000);
    t.string('file_name', 255);
    t.string('media_type', 100);
    t.string('hash', 64);
    t.bigInteger('size');
    t.string('generator', 64).notNullable();
    t.uuid('requested_by').notNullable().references('users.id');
    t.string('requested_at', 32).notNullable();
    t.string('finished_at', 32);
    t.index(['assessment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reports');
}
