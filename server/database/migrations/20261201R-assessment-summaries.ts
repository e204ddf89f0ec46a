import type { Knex } from 'knex';

/**
 * Per-assessment summaries (rate and conclusion) kept for the dashboard, so it reads one row per
 * assessment instead of recomputing every summary. `assessments.revision` only counts locked
 * copies, not writes, so it cannot tell a stale row: database triggers delete an assessment's row
 * whenever anything its summary is computed from changes (results, additional items, findings,
 * hazards, the system's objects, the assessment itself), whichever code path writes. The next
 * read recomputes it.
 *
 * SQLite drops a table's triggers when a migration rebuilds the table; the statement-count test
 * checks they are all present after the latest migration.
 */
export const SUMMARY_TRIGGER_TABLES: Record<string, { key: string; via?: string }> = {
  assessment_results: { key: 'assessment_id' },
  assessment_extra_items: { key: 'assessment_id' },
  findings: { key: 'assessment_id' },
  hazards: { key: 'assessment_id' },
  assessments: { key: 'id' },
  // An object's category decides its domain in the summary; objects belong to the system.
  assessed_objects: { key: 'system_id', via: 'select id from assessments where system_id' },
};

const target = (row: 'NEW' | 'OLD', t: { key: string; via?: string }) => (t.via ? `assessment_id in (${t.via} = ${row}.${t.key})` : `assessment_id = ${row}.${t.key}`);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assessment_summaries', (t) => {
    t.uuid('assessment_id').primary().references('assessments.id').onDelete('CASCADE');
    t.integer('revision').notNullable();
    t.string('scheme', 32).notNullable();
    t.double('rate'); // null: nothing assessed yet
    t.string('conclusion', 32).notNullable();
    t.text('label').notNullable(); // JSON { zh, en }: the computed conclusion's label
    t.string('computed_at', 32).notNullable();
  });
  const pg = (knex.client as { config: { client: string } }).config.client === 'pg';
  for (const [table, t] of Object.entries(SUMMARY_TRIGGER_TABLES)) {
    if (pg) {
      await knex.raw(`create function assessment_summaries_stale_${table}() returns trigger language plpgsql as $$
        begin
          if tg_op <> 'INSERT' then delete from assessment_summaries where ${target('OLD', t)}; end if;
          if tg_op <> 'DELETE' then delete from assessment_summaries where ${target('NEW', t)}; end if;
          return null;
        end $$`);
      await knex.raw(`create trigger assessment_summaries_stale_${table} after insert or update or delete on ${table} for each row execute function assessment_summaries_stale_${table}()`);
      continue;
    }
    for (const [event, rows] of [['insert', ['NEW']], ['update', ['OLD', 'NEW']], ['delete', ['OLD']]] as const) {
      if (table === 'assessments' && event !== 'update') continue; // a new assessment has no summary; a deleted one cascades
      const body = rows.map((r) => `delete from assessment_summaries where ${target(r, t)};`).join(' ');
      await knex.raw(`create trigger assessment_summaries_stale_${table}_${event} after ${event} on ${table} for each row begin ${body} end`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = (knex.client as { config: { client: string } }).config.client === 'pg';
  for (const table of Object.keys(SUMMARY_TRIGGER_TABLES)) {
    if (pg) {
      await knex.raw(`drop trigger if exists assessment_summaries_stale_${table} on ${table}`);
      await knex.raw(`drop function if exists assessment_summaries_stale_${table}()`);
    } else {
      for (const event of ['insert', 'update', 'delete']) await knex.raw(`drop trigger if exists assessment_summaries_stale_${table}_${event}`);
    }
  }
  await knex.schema.dropTable('assessment_summaries');
}
