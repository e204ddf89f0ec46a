import type { Knex } from 'knex';

/**
 * A change counter per organisation, bumped by database triggers on every write to the tables
 * deadlines are computed from. A process keeps the deadlines it computed under the counters it
 * read first; one statement tells whether they still hold, in this process or after a write by
 * another. Writes of assessment results are not counted: no deadline depends on them.
 */
// Assessments count only for the columns deadlines read (completed tests, the system a finding is
// of): a result written bumps the assessment's updated_at, which must not recompute every deadline.
const ASSESSMENT_COLUMNS = 'kind, status, start_date, end_date, system_id, organization_id, previous_revision_id';

export const DEADLINE_SOURCE_TABLES = [
  'systems', 'gradings', 'filings', 'system_transitions', 'inspections', 'protection_plans',
  'assessments', 'findings', 'remediations', 'evidence', 'evidence_requests',
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organization_versions', (t) => {
    t.uuid('organization_id').primary(); // no foreign key: the counter may outlive nothing, and must never block a delete
    t.bigInteger('version').notNullable();
  });
  const bump = (row: 'NEW' | 'OLD') =>
    `insert into organization_versions (organization_id, version) values (${row}.organization_id, 1) on conflict (organization_id) do update set version = organization_versions.version + 1;`;
  const pg = (knex.client as { config: { client: string } }).config.client === 'pg';
  if (pg) {
    await knex.raw(`create function organization_versions_bump() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then ${bump('OLD')} else ${bump('NEW')} end if;
        return null;
      end $$`);
  }
  for (const table of DEADLINE_SOURCE_TABLES) {
    if (pg) {
      const update = table === 'assessments' ? `update of ${ASSESSMENT_COLUMNS}` : 'update';
      await knex.raw(`create trigger organization_versions_${table} after insert or ${update} or delete on ${table} for each row execute function organization_versions_bump()`);
      continue;
    }
    for (const [event, row] of [['insert', 'NEW'], ['update', 'NEW'], ['delete', 'OLD']] as const) {
      const on = table === 'assessments' && event === 'update' ? `update of ${ASSESSMENT_COLUMNS}` : event;
      await knex.raw(`create trigger organization_versions_${table}_${event} after ${on} on ${table} for each row begin ${bump(row)} end`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = (knex.client as { config: { client: string } }).config.client === 'pg';
  for (const table of DEADLINE_SOURCE_TABLES) {
    if (pg) await knex.raw(`drop trigger if exists organization_versions_${table} on ${table}`);
    else for (const event of ['insert', 'update', 'delete']) await knex.raw(`drop trigger if exists organization_versions_${table}_${event}`);
  }
  if (pg) await knex.raw('drop function if exists organization_versions_bump()');
  await knex.schema.dropTable('organization_versions');
}
