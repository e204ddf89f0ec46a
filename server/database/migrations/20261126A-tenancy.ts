import type { Knex } from 'knex';

// Timestamps are ISO-8601 UTC strings on both engines: identical round-trips, sortable as text.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organizations', (t) => {
    t.uuid('id').primary();
    t.string('name', 200).notNullable().unique();
    t.string('name_en', 200);
    t.string('credit_code', 18).unique(); // 统一社会信用代码
    t.string('address', 300);
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.string('username', 64).notNullable().unique(); // stored lower-case
    t.string('display_name', 100).notNullable();
    t.string('email', 254);
    t.string('password_hash', 200).notNullable();
    t.boolean('is_admin').notNullable().defaultTo(false);
    t.boolean('disabled').notNullable().defaultTo(false);
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.string('locked_until', 32);
    t.string('password_changed_at', 32).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('memberships', (t) => {
    t.uuid('id').primary();
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('RESTRICT');
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.enu('role', ['officer', 'consultant', 'auditor']).notNullable();
    t.string('created_at', 32).notNullable();
    t.unique(['organization_id', 'user_id']);
    t.index(['user_id']);
  });
  await knex.schema.createTable('sessions', (t) => {
    t.string('id', 64).primary(); // SHA-256 of the cookie token: a leaked table gives no live sessions
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('created_at', 32).notNullable();
    t.string('last_seen_at', 32).notNullable();
    t.string('expires_at', 32).notNullable(); // absolute limit
    t.string('ip', 64);
    t.string('user_agent', 300);
    t.index(['user_id']);
  });
  await knex.schema.createTable('api_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('name', 100).notNullable();
    t.string('token_hash', 64).notNullable().unique();
    t.string('prefix', 16).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('expires_at', 32);
    t.string('last_used_at', 32);
    t.string('revoked_at', 32);
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_tokens');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('memberships');
  await knex.schema.dropTable('users');
  await knex.schema.dropTable('organizations');
}
