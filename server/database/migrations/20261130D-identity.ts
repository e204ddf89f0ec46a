import type { Knex } from 'knex';

/**
 * Identity (GB/T 22239 8.1.4.1): sign-in throttling per (username, IP) pair and per IP,
 * forced password change, password history, TOTP second factor with recovery codes,
 * API-token scopes; existing tokens without an end get one (90 days from now).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.string('totp_secret', 200); // AES-256-GCM encrypted, never returned
    t.string('totp_pending_secret', 200); // enrolment begun, not yet confirmed with a code
    t.string('totp_enabled_at', 32);
    t.integer('totp_last_step'); // last accepted time step: a code is accepted once
  });
  await knex.schema.createTable('password_history', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('password_hash', 200).notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['user_id']);
  });
  await knex.schema.createTable('recovery_codes', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('used_at', 32);
    t.index(['user_id']);
  });
  // Failure counters keyed 'pair:<username>|<ip>' and 'ip:<ip>'; the account's own is users.failed_logins.
  await knex.schema.createTable('login_throttle', (t) => {
    t.string('throttle_key', 400).primary();
    t.integer('failures').notNullable().defaultTo(0);
    t.string('locked_until', 32);
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.alterTable('api_tokens', (t) => {
    t.string('scope', 16).notNullable().defaultTo('read_write');
  });
  const end = new Date(Date.now() + 90 * 86_400_000).toISOString();
  await knex('api_tokens').whereNull('expires_at').update({ expires_at: end });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => t.dropColumn('scope'));
  await knex.schema.dropTable('login_throttle');
  await knex.schema.dropTable('recovery_codes');
  await knex.schema.dropTable('password_history');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('totp_last_step');
    t.dropColumn('totp_enabled_at');
    t.dropColumn('totp_pending_secret');
    t.dropColumn('totp_secret');
    t.dropColumn('must_change_password');
  });
}
