import type { Knex } from 'knex';

/**
 * 三权分立 and the audit trail.
 * - platform_roles: system_admin / security_admin / audit_admin per account. The old `is_admin`
 *   flag becomes system_admin only (users, organisations, configuration): memberships, roles and
 *   the audit trail go to other accounts, granted with `dengbao user role` (see README).
 * - memberships.status: a membership added by someone who is not an officer of the organisation
 *   (a security administrator) is `pending` until an officer accepts it; existing ones stay active.
 * - audit_entries: append-only, hash-chained per organisation and one chain for the platform;
 *   audit_chains holds each chain's head (locked FOR UPDATE on PostgreSQL while appending) and the
 *   base a purge left behind. Triggers refuse any UPDATE and a DELETE of entries younger than 180 days.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('platform_roles', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.enu('role', ['system_admin', 'security_admin', 'audit_admin']).notNullable();
    t.uuid('granted_by');
    t.string('granted_at', 32).notNullable();
    t.primary(['user_id', 'role']);
  });
  const at = new Date().toISOString();
  const admins: Array<{ id: string }> = await knex('users').where({ is_admin: true }).select('id');
  for (const a of admins) await knex('platform_roles').insert({ user_id: a.id, role: 'system_admin', granted_at: at });

  await knex.schema.alterTable('memberships', (t) => {
    t.enu('status', ['active', 'pending']).notNullable().defaultTo('active');
    t.uuid('requested_by');
    t.uuid('decided_by');
    t.string('decided_at', 32);
  });

  await knex.schema.createTable('audit_chains', (t) => {
    t.string('chain', 64).primary(); // an organisation id, or 'platform'
    t.integer('seq').notNullable().defaultTo(0); // last seq written
    t.string('head_hash', 64).notNullable();
    // After a purge: the chain starts after base_seq, whose hash was base_hash.
    t.integer('base_seq').notNullable().defaultTo(0);
    t.string('base_hash', 64).notNullable();
  });
  await knex.schema.createTable('audit_entries', (t) => {
    t.bigIncrements('id');
    t.string('chain', 64).notNullable();
    t.integer('seq').notNullable();
    t.string('at', 32).notNullable();
    t.uuid('actor_id');
    t.string('actor_name', 64);
    t.uuid('organization_id');
    t.string('ip', 64);
    t.string('user_agent', 300);
    t.string('action', 120).notNullable();
    t.string('target_type', 40);
    t.string('target_id', 200);
    t.integer('status');
    t.text('changes'); // canonical JSON, secrets masked
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.unique(['chain', 'seq']);
    t.index(['chain', 'at']);
    t.index(['target_type', 'target_id']);
  });

  if (knex.client.config.client === 'pg') {
    await knex.raw(`
      create function audit_entries_guard() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' then raise exception 'audit entries are append-only'; end if;
        if old.at > to_char((now() at time zone 'utc') - interval '180 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') then
          raise exception 'audit entries younger than 180 days cannot be deleted';
        end if;
        return old;
      end $$`);
    await knex.raw(`create trigger audit_entries_guard before update or delete on audit_entries for each row execute function audit_entries_guard()`);
  } else {
    await knex.raw(`create trigger audit_entries_no_update before update on audit_entries begin select raise(abort, 'audit entries are append-only'); end`);
    await knex.raw(`create trigger audit_entries_retention before delete on audit_entries
      when old.at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-180 days')
      begin select raise(abort, 'audit entries younger than 180 days cannot be deleted'); end`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_entries');
  if (knex.client.config.client === 'pg') await knex.raw('drop function if exists audit_entries_guard()');
  await knex.schema.dropTable('audit_chains');
  await knex.schema.alterTable('memberships', (t) => {
    t.dropColumn('status');
    t.dropColumn('requested_by');
    t.dropColumn('decided_by');
    t.dropColumn('decided_at');
  });
  await knex.schema.dropTable('platform_roles');
}
