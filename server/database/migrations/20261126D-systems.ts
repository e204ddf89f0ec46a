import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // 定级对象: the systems an organisation grades, files and tests.
  await knex.schema.createTable('systems', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('RESTRICT');
    t.string('name', 200).notNullable();
    t.text('description');
    t.string('business_type', 100);
    t.string('owner', 100);
    t.text('contacts'); // JSON [{ name, role, phone, email }]
    t.enu('deployment', ['on_premises', 'cloud']).notNullable();
    t.uuid('platform_id'); // the cloud platform record (cloud issue); no FK until that table exists
    t.boolean('ext_cloud').notNullable().defaultTo(false);
    t.boolean('ext_mobile').notNullable().defaultTo(false);
    t.boolean('ext_iot').notNullable().defaultTo(false);
    t.boolean('ext_ics').notNullable().defaultTo(false);
    t.boolean('ext_big_data').notNullable().defaultTo(false);
    t.string('status', 16).notNullable();
    t.string('archived_at', 32);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['organization_id', 'name']);
  });
  // Every grading is a version; re-grading adds one and keeps the old.
  await knex.schema.createTable('gradings', (t) => {
    t.uuid('id').primary();
    t.uuid('system_id').notNullable().references('systems.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.integer('version').notNullable();
    t.text('business_harms').notNullable(); // JSON [{ object, degree }]
    t.text('service_harms').notNullable();
    t.integer('s_level').notNullable();
    t.integer('a_level').notNullable();
    t.integer('level').notNullable();
    t.string('notation', 8).notNullable();
    t.text('rationale').notNullable();
    t.string('graded_on', 10).notNullable();
    t.string('reviewed_on', 10);
    t.text('review_experts'); // JSON [string]
    t.text('review_opinion');
    t.uuid('review_evidence_id').references('evidence.id');
    t.string('approved_on', 10);
    t.string('approval_authority', 200);
    t.string('approval_reference', 100);
    t.uuid('approval_evidence_id').references('evidence.id');
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.unique(['system_id', 'version']);
  });
  await knex.schema.createTable('filings', (t) => {
    t.uuid('id').primary();
    t.uuid('system_id').notNullable().unique().references('systems.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.uuid('grading_id').references('gradings.id');
    t.text('form').notNullable(); // JSON: the 备案表 fields
    t.enu('status', ['draft', 'submitted', 'certified', 'returned']).notNullable();
    t.string('filing_organ', 200);
    t.string('submitted_on', 10);
    t.string('certificate_number', 100);
    t.string('certificate_date', 10);
    t.string('return_reason', 500);
    t.text('missing_attachments'); // JSON [slot]: attachments marked missing
    t.string('updated_at', 32).notNullable();
    t.uuid('updated_by').notNullable().references('users.id');
  });
  await knex.schema.createTable('system_transitions', (t) => {
    t.increments('seq').primary();
    t.uuid('system_id').notNullable().references('systems.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.string('from_state', 16);
    t.string('to_state', 16).notNullable();
    t.string('effective_on', 10).notNullable(); // the date it happened (Asia/Shanghai)
    t.string('at', 32).notNullable(); // when it was recorded
    t.uuid('user_id').notNullable().references('users.id');
    t.text('note');
    t.boolean('forced').notNullable().defaultTo(false);
    t.index(['system_id']);
  });
  // Supervision inspections by the public security organ, and self-inspections.
  await knex.schema.createTable('inspections', (t) => {
    t.uuid('id').primary();
    t.uuid('system_id').notNullable().references('systems.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable();
    t.enu('kind', ['supervision', 'self']).notNullable();
    t.string('inspected_on', 10).notNullable();
    t.string('organ', 200);
    t.text('result').notNullable();
    t.text('notice'); // rectification notice (整改通知书)
    t.string('notice_due', 10);
    t.string('rectified_on', 10);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.index(['system_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['inspections', 'system_transitions', 'filings', 'gradings', 'systems']) await knex.schema.dropTable(t);
}
